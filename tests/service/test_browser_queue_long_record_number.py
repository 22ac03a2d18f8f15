"""The queue with an 18-digit record number (a clinic that uses resident ID numbers as record
numbers) beside an emergency badge, on a tablet and on phones, in English and Chinese, in a real
Chromium on a real uvicorn server over a real SQLite file. At 768 px the queue's table was 779 px
wide in its 730 px region and scrolled sideways, the referral out of view: the record number, whole
by design (``td .ident``), and "⚠ EMERGENCY", glued to its sign, cannot break. At 360 to 390 px the
record number of a patient with no name, beside the badge, ran off the screen with its last digits
cut ("110101199003075"). Each record number must stay whole on one line, inside its cell and the
screen; the badge's sign on its first word's line and no word of it broken; the age whole; the
referral in view; nothing scrolls sideways."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_daily_flow import SIGN_APART
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: synthetic 18-digit resident ID numbers: one under a patient's name, one a patient without a name
#: (the record number is then the row's link, in the row's larger type)
NAMED, UNNAMED = "110101199003071234", "110101199003075678"

#: tablets (768 px the narrowest in use, 800 and 820 others') and the phones' widths
WIDTHS = (768, 800, 820, 1024, 412, 390, 375, 360)

#: the queue region's widths, and per row: each record number's text, lines and edges (its cell's,
#: the screen's), each word of the badge's and the age's lines, the referral cell's right edge
QUEUE = r"""() => {
  const lines = (node) => { const range = document.createRange(); range.selectNodeContents(node);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size; };
  const region = document.querySelector('#queue-table');
  const rows = [...document.querySelectorAll('table.queue tbody tr')].map((tr) => {
    const mrn = tr.querySelector('.ident.mrn'), cell = mrn.closest('td').getBoundingClientRect();
    const badge = tr.querySelector('.badge'), words = [];
    for (const node of badge.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      for (const match of node.textContent.matchAll(/\S+/g)) {
        const range = document.createRange(); range.setStart(node, match.index); range.setEnd(node, match.index + match[0].length);
        words.push([match[0], new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size]);
      }
    }
    const box = mrn.getBoundingClientRect(), age = tr.querySelector('.age');
    return {mrn: mrn.textContent, lines: lines(mrn), right: box.right, left: box.left, cell: cell.right,
            words, age: age ? lines(age) : 0, referral: tr.querySelector('td.referral').getBoundingClientRect().right};
  });
  return {scroll: region.scrollWidth, client: region.clientWidth, rows};
}"""


def test_an_18_digit_record_number_and_an_emergency_badge_fit_a_tablet_and_a_phone(
    browser: object, desk: Desk
) -> None:
    made = desk.api(Role.nurse, "/assessments", {**WALK_IN, "patient": {**WALK_IN["patient"], "mrn": NAMED}})
    assert made["disposition"] == "emergency_transfer", made
    desk.referred(UNNAMED, urgency="emergency")  # WALK_IN's readings with no name, a referral proposed
    page: Any = log_in(browser, desk, Role.nurse, 768, "en")
    for language in ("en", "zh"):
        switched(page, language, 768)
        page.goto(f"{desk.url}/queue")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            where = f"/queue ({language}, {width} px)"
            found = page.evaluate(QUEUE)
            assert found["scroll"] <= found["client"], (
                f"{where}: the queue scrolls sideways ({found['scroll']} px in {found['client']})"
            )
            assert sorted(row["mrn"] for row in found["rows"]) == [NAMED, UNNAMED], (where, found)
            for row in found["rows"]:
                assert row["lines"] == 1, f"{where}: the record number is broken: {row}"
                assert row["left"] >= 0 and row["right"] <= min(row["cell"], width) + 0.5, (
                    f"{where}: the record number runs out of its cell or off the screen: {row}"
                )
                assert row["words"] and all(lines == 1 for _, lines in row["words"]), (
                    f"{where}: a word of the badge is broken: {row['words']}"
                )
                assert row["age"] == 1, f"{where}: the age is broken: {row}"
                assert row["referral"] <= width, f"{where}: the referral is out of view: {row}"
            apart = page.evaluate(SIGN_APART)
            assert len(apart["seen"]) == 2 and not apart["apart"], f"{where}: a sign alone: {apart}"
            assert_fits(page, where)
    switched(page, "en", 768)
    close_tab(page)

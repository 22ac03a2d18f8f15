"""The patient page's readings table on a phone squeezed its last column, where the reading came
from, to about one character a line ("手工录入：nurse" at 390 px). In a real Chromium at 320 and
390 px, in Chinese and English, every word of the table (a reading's name, value, unit, time, who
entered it) stays on one line and the table does not scroll sideways; at 1280 px it is a table
with its headings."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

READINGS = [  # from a device bridge over the API, one with a long device id
    {"code": "spo2", "value": 97, "unit": "%", "device": "OXIMETER-WARD-2-BEDSIDE"},
    {"code": "sbp", "value": 128, "unit": "mm[Hg]"},
    {"code": "dbp", "value": 82, "unit": "mm[Hg]"},
    {"code": "temperature", "value": 37.2, "unit": "Cel"},
]

#: each word of the readings table's body laid out over two lines or more (a word: what spaces
#: separate - "手工录入：nurse", "2026-12-06", "mmHg" - of at most 24 characters), the words seen,
#: and whether the table is wider than its scrolling region
BROKEN = r"""() => {
  const table = document.querySelector('table.readings');
  const broken = [], seen = [];
  const walk = document.createTreeWalker(table.tBodies[0], NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    for (const found of node.textContent.matchAll(/\S{1,24}/g)) {
      const range = document.createRange();
      range.setStart(node, found.index); range.setEnd(node, found.index + found[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (!tops.size) continue;
      seen.push(found[0]);
      if (tops.size > 1) broken.push(found[0]);
    }
  }
  const region = table.closest('.table-scroll');
  return {broken, seen, scrolls: region.scrollWidth > region.clientWidth};
}"""


def test_every_word_of_the_readings_stays_on_one_line_on_a_phone(browser: object, desk: Desk) -> None:
    made = desk.api(
        Role.nurse, "/assessments", {"patient": {"mrn": "READ-PHONE-1"}, "observations": READINGS}
    )
    page: Any = log_in(browser, desk, Role.nurse, 390, "zh")
    for language in ("zh", "en"):
        switched(page, language, 390)  # (signed in once: the language switch for English)
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        if language == "zh":  # a reading typed in by the nurse: 手工录入：nurse
            form = page.locator("#reading-form")
            form.locator("select[name=code]").select_option("glucose_random")
            form.locator("input[name=value]").fill("6.5")
            form.locator("button[type=submit]").click()
            page.wait_for_selector("table.readings td[data-code=glucose_random]")
        for width in (320, 390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            where = f"{language}, {width} px"
            found = page.evaluate(BROKEN)
            assert any("nurse" in word for word in found["seen"]), (where, found["seen"])
            assert not found["broken"], f"{where}: words over two lines: {found['broken']}"
            if width < 1000:  # (in the desktop's half-width card a long device id, kept whole, may)
                assert not found["scrolls"], f"{where}: the readings scroll sideways"
            assert_fits(page, f"readings ({where})")
        headings = page.locator("table.readings thead th")
        assert headings.count() == 4 and headings.first.is_visible(), "a table with its headings at 1280 px"
    close_tab(page)

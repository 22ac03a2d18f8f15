"""The find-a-patient page in a real Chromium (real uvicorn, real SQLite file): a visit's date never
breaks at its hyphens ("2026-12-" / "05 09:15" at about 300 px), nor its time, at any width from
300 to 800 px, and neither the page nor the visits table scrolls sideways; and a patient with more visits than a page reaches the older ones with
"Older visits" and comes back with "Newest visits" - in Chinese and English.

The widths laid out (:data:`WIDTHS`) are the ends of that range and each side of every breakpoint
of the stylesheet inside it, not every 10 px: between two breakpoints nothing on this page depends
on the width but the room the visits table has (no vw unit there, no script reading the width), and
a date broken over two lines, a cell's text wider than the cell or the table wider than its region
come with less room - at a band's narrow end, which is kept. The breakpoints (app.css): 359.98 px
and 360 px (the scores' own, kept all the same), 22.5rem = 360 px (the visits table's smaller
type and cells, up to and including 360 px: the 300 px case it was written for) and 40rem = 640 px
(the phone's header, cell and page paddings)."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, desk, log_in
from tests.service.test_page_find_patient_pages import earlier_visits
from triage.service.auth import Role
from triage.service.pages.patients import SHOWN

__all__ = ["browser", "desk", "pytestmark"]

#: the range's ends and each side of every breakpoint inside it (the module's docstring says why)
WIDTHS = (300, 359, 360, 361, 640, 641, 800)

#: each date (2026-12-05) or time (09:15), or word of a decision, in the visits table laid out on two
#: lines, those seen, and
#: whether the table is wider than its region (it would scroll sideways) or a cell's text overflows it
BROKEN = r"""() => {
  const table = document.querySelector('table.visits');
  const broken = [], seen = [], overflowing = [];
  const walk = document.createTreeWalker(table.tBodies[0], NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    // in the decision column each word (本院诊治, emergency) is one, elsewhere a date or a time
    const decision = node.parentElement.closest('td') === node.parentElement.closest('tr').cells[1];
    for (const found of node.textContent.matchAll(decision ? /\S+/g : /\d{4}-\d{2}-\d{2}|\d{2}:\d{2}/g)) {
      const range = document.createRange();
      range.setStart(node, found.index); range.setEnd(node, found.index + found[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      seen.push(found[0]);
      if (tops.size > 1) broken.push(found[0]);
    }
  }
  for (const cell of table.querySelectorAll('td, th'))
    if (cell.scrollWidth > cell.clientWidth) overflowing.push(cell.innerText);
  const region = table.parentElement;
  return {broken, seen, overflowing, scrolls: region.scrollWidth > region.clientWidth};
}"""


def test_visit_dates_stay_whole_and_older_visits_are_reached(browser: object, desk: Desk) -> None:
    made = desk.api(Role.nurse, "/patients", {"mrn": "PAGES-B-1", "sex": "female"})
    earlier_visits(desk.app, int(made["id"]), SHOWN + 2)
    desk.api(Role.nurse, "/assessments", {"patient": {"mrn": "PAGES-B-1"}, "observations": CALM})
    found_page = f"{desk.url}/patients?mrn=PAGES-B-1"
    page: Any = None
    for language in ("zh", "en"):
        if page is None:  # one sign-in: it signed in through the login form for each language
            page = log_in(browser, desk, Role.nurse, 390, language)
            page.goto(found_page)
        switched(page, language, 390)  # to English: the header's switch on the found patient's page
        assert page.url == found_page, page.url
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            where = f"{language}, {width} px"
            found = page.evaluate(BROKEN)
            # each visit's start and (but today's open one) close: a date and a time each; a decision
            assert len(found["seen"]) >= 2 * (2 * SHOWN - 1) + SHOWN, (where, found["seen"][:4])
            assert not found["broken"], f"{where}: over two lines: {found['broken'][:3]}"
            assert not found["overflowing"], f"{where}: wider than its cell: {found['overflowing'][:3]}"
            assert not found["scrolls"], f"{where}: the visits scroll sideways"
            assert_fits(page, f"/patients ({where})")
        page.click("#older-visits")
        page.wait_for_url(f"{desk.url}/patients?mrn=PAGES-B-1&before_id=*")
        assert page.locator("table.visits tbody tr").count() == 3, language
        assert_fits(page, f"/patients, older visits ({language})")
        page.click("#newest-visits")
        page.wait_for_url(f"{desk.url}/patients?mrn=PAGES-B-1")
        assert page.locator("table.visits tbody tr").count() == SHOWN, language
    close_tab(page)

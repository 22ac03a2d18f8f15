"""The staff pages on the narrowest phones, 320 and 375 px (WCAG 1.4.10 reflow: 320 CSS px), in a
real Chromium against `triage demo` (real uvicorn, gateway, simulated devices), in English and
Chinese: no page scrolls sideways and no text is cut. At 320 px every patient page scrolled
sideways by 12 px (Chinese) to 20 px (English) - the scores table, its bands ("intermediate",
（不完整）) past the screen's edge; on the devices page a device's name ran under the link state
beside it ("demo-oximete" / "Connected: Yes") and a held result's device under its value
("browser-analyzer" over "7.4 mmol/L")."""

from __future__ import annotations

from typing import Any

from tests.service.kept_tabs import Demo, login, switch_language
from tests.service.test_browser import (
    assert_fits,
    browser,
    demo,
    hold_unmapped_result,
    pytestmark,
    staff_pages,
)
from tests.service.test_browser_layout import RESTYLED_WITHOUT_ROLE, closed_in_english

__all__ = ["browser", "demo", "pytestmark"]

#: Each cell of the held results, devices and scores tables whose text the browser laid out past
#: the cell's content box - into its padding against the cell beside it, under that cell, or cut by
#: the screen's edge.
CUT_CELLS = """() => [...document.querySelectorAll('table.held td, table.devices td, table.scores td')]
  .filter((td) => { const box = td.getBoundingClientRect(), style = getComputedStyle(td); if (!box.width) return false;
    const left = box.left + parseFloat(style.paddingLeft), right = box.right - parseFloat(style.paddingRight);
    const range = document.createRange(); range.selectNodeContents(td);
    return [...range.getClientRects()].some((r) => r.width && (r.right > right + 0.5 || r.left < left - 0.5)); })
  .map((td) => td.className + ': ' + td.innerText.trim().slice(0, 40).replace(/\\n/g, ' / '))"""


def test_the_staff_pages_reflow_at_320_and_375_px_and_cut_no_text(browser: object, demo: Demo) -> None:
    hold_unmapped_result(demo, "NARROW-2026-0001")
    page: Any = login(browser, demo, "doctor")
    paths = staff_pages(page, demo)  # the queue, an urgent patient, the referrals, the devices
    with closed_in_english(page):
        for language in ("en", "zh"):
            for path in paths:  # each page loaded once, then laid out at each width
                page.goto(f"{demo.url}{path}")
                for width in (320, 375):
                    page.set_viewport_size({"width": width, "height": 800})
                    where = f"{path} ({language}, {width} px)"
                    assert_fits(page, where)
                    cut = page.evaluate(CUT_CELLS)
                    assert not cut, f"{where}: text past its cell: {cut[:6]}"
                    restyled = page.evaluate(RESTYLED_WITHOUT_ROLE)
                    assert not restyled, f"{where}: table parts restyled without their role: {restyled}"
                if path == paths[1]:  # (what a page holds is the same at every width)
                    assert page.locator("table.scores tr[data-score]").count() >= 8, "the scores are shown"
                if path == "/devices":
                    assert page.locator("section#held table.held tbody tr").count() >= 1, (
                        "a held result is shown"
                    )
            switch_language(page)

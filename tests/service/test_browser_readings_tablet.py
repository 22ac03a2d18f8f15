"""On a tablet held landscape (1024 x 768, and an iPad's 1180 x 820) the patient page's cards stand
in two columns, and the readings table of four columns scrolled sideways inside its card: where each
reading came from was cut off ("demo-mo", "手工录入：") and reached only by scrolling the table. The
readings now take the phone's layout whenever their card is that narrow - a reading's name beside
its value, when it was observed and its device each under them with its heading - and stay a table
where the card has room (768 px held upright, 1280 px). Real Chromium, real uvicorn and SQLite,
Chinese and English."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from tests.service.test_browser_readings_phone import BROKEN, READINGS
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

# each reading's device: its words, and whether they stand inside the readings' region, in view
SOURCES = """() => {
  const region = document.querySelector('table.readings').closest('.table-scroll').getBoundingClientRect();
  return [...document.querySelectorAll('table.readings td.source')].map((cell) => {
    const box = cell.getBoundingClientRect();
    return [cell.textContent.trim(), box.left >= region.left - 1 && box.right <= region.right + 1];
  });
}"""
HEADINGS_SHOWN = "() => document.querySelector('table.readings thead').getBoundingClientRect().width > 1"


def test_the_readings_on_a_landscape_tablet_show_each_device_without_scrolling(
    browser: object, desk: Desk
) -> None:
    made = desk.api(
        Role.nurse, "/assessments", {"patient": {"mrn": "READ-TABLET-1"}, "observations": READINGS}
    )
    page: Any = log_in(browser, desk, Role.nurse, 1024, "zh")
    for language in ("zh", "en"):
        switched(page, language, 1024)  # (signed in once: the language switch for English)
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        form = page.locator("#reading-form")  # a reading the nurse types in: entered by hand
        form.locator("select[name=code]").select_option("glucose_random")
        form.locator("input[name=value]").fill("6.5")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("table.readings td[data-code=glucose_random]")
        for width, height in ((1024, 768), (1180, 820), (768, 1024), (1280, 800)):
            page.set_viewport_size({"width": width, "height": height})
            where = f"{language}, {width} x {height}"
            found = page.evaluate(BROKEN)
            assert not found["scrolls"] or width == 1280, f"{where}: the readings scroll sideways"
            assert not found["broken"], f"{where}: words over two lines: {found['broken']}"
            sources = page.evaluate(SOURCES)
            assert len(sources) > len(READINGS), sources  # the typed reading too
            if width < 1280:
                cut = [text for text, shown in sources if not shown]
                assert not cut, f"{where}: a reading's device is cut off: {cut}"
            # upright the card has the page's width: a table with its headings, as at 1280 px
            assert page.evaluate(HEADINGS_SHOWN) == (width in (768, 1280)), f"{where}: table or blocks"
            assert_fits(page, f"readings ({where})")
    close_tab(page)

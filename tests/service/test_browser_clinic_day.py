"""A clinic day's patient page in a real Chromium against `triage demo` (real uvicorn): an elderly
walk-in with signs of sepsis, her vital signs typed by the nurse, the doctor reading the decision
and its reasons in Chinese - hovering over a reason shows the record in Chinese, not the engine's
English - and printing the page, which says the day of its times and when it was printed."""

from __future__ import annotations

import re

# the browser tests' marks (skipped, saying how to install it, without chromium), their demo process
# and browser (one of each for this module) and helpers
from tests.service.test_browser import Demo, browser, demo, login, pytestmark
from tests.service.test_browser_shift import walk_in

__all__ = ["browser", "demo", "pytestmark"]

SEPSIS = {
    "resp_rate": "26",
    "spo2": "92",
    "sbp": "88",
    "dbp": "52",
    "heart_rate": "124",
    "temperature": "38.9",
}


def test_the_doctor_reads_the_reasons_in_chinese_on_hover_and_prints_the_day(
    browser: object, demo: Demo
) -> None:
    nurse = login(browser, demo, "nurse")
    nurse.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]
    patient = walk_in(nurse, "DAY-SEPSIS-1", "Zhang Guilan")
    form = nurse.locator("#vitals-form")  # type: ignore[attr-defined]
    for code, value in SEPSIS.items():
        form.locator(f"#vitals-{code}").fill(value)
    form.locator("#vitals-supplemental_o2").select_option("air")
    form.locator("#vitals-consciousness").select_option("C")
    form.locator("button[type=submit]").click()
    nurse.wait_for_selector("#decision.urgent")  # type: ignore[attr-defined]
    doctor = login(browser, demo, "doctor")
    doctor.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]
    doctor.goto(patient)  # type: ignore[attr-defined]
    doctor.click("form[action='/language'] button")  # type: ignore[attr-defined]
    doctor.wait_for_url(patient)  # type: ignore[attr-defined]
    try:
        details = doctor.locator("ul.reasons span.detail")  # type: ignore[attr-defined]
        assert details.count() >= 3
        for i in range(details.count()):
            hover = str(details.nth(i).get_attribute("title"))
            assert hover.startswith("规则代码 "), hover
            assert not re.search(r"[a-z]{4,} [a-z]{3,} [a-z]{3,}", hover), f"an English sentence: {hover}"
        news2 = doctor.locator("ul.reasons li", has=doctor.locator("[data-rule=news2_emergency]"))  # type: ignore[attr-defined]
        assert "规则代码 news2_emergency；记录数值：news2=" in str(
            news2.locator("span.detail").get_attribute("title")
        )
        printed = doctor.locator("#printed")  # type: ignore[attr-defined]
        assert not printed.is_visible(), "on the screen the print line is not shown"
        doctor.emulate_media(media="print")  # type: ignore[attr-defined]
        assert printed.is_visible()
        assert re.match(
            r"就诊开始于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}；.*打印时间 \d{4}-\d{2}-\d{2}", printed.inner_text()
        )
        assert doctor.locator("#decision").is_visible()  # type: ignore[attr-defined]
        assert not doctor.locator("#refer-form").is_visible(), "no entry forms on paper"  # type: ignore[attr-defined]
    finally:
        doctor.emulate_media(media="screen")  # type: ignore[attr-defined]
        doctor.click("form[action='/language'] button")  # type: ignore[attr-defined]

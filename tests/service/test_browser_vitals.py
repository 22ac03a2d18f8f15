"""A nurse types a set of vital signs in a real Chromium at tablet width (768 px) against `triage
demo` (real uvicorn): a walk-in opened on the queue, the vital-signs form filled by its labels, a bad
value coming back beside its field with everything typed kept, then the decision."""

from __future__ import annotations

import re

from playwright.sync_api import expect

# the browser tests' marks (skipped, saying how to install it, without chromium), their demo process
# and browser (one of each for this module) and helpers
from tests.service.test_browser import Demo, assert_fits, browser, demo, login, pytestmark

__all__ = ["browser", "demo", "pytestmark"]

TYPED = {  # label -> value: RR 24, SpO2 91 on air, BP 95/60, HR 118, alert, 38.6 °C: NEWS2 10
    "Respiratory rate": "24",
    "Systolic BP": "95",
    "Diastolic BP": "60",
    "Heart rate": "118",
    "Temperature": "38.6",
}


def test_a_nurse_records_a_set_of_vital_signs_at_768_px_and_sees_the_decision(
    browser: object, demo: Demo
) -> None:
    page = login(browser, demo, "nurse")
    page.set_viewport_size({"width": 768, "height": 1024})  # type: ignore[attr-defined]
    page.click("#walk-in summary")  # type: ignore[attr-defined]
    page.get_by_label("Record number").fill("BROWSER-VITALS-1")  # type: ignore[attr-defined]
    page.get_by_label("Age (years)").fill("58")  # type: ignore[attr-defined]
    page.click("#walk-in button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/encounters/\d+$"))  # type: ignore[attr-defined]
    patient = page.url  # type: ignore[attr-defined]
    form = page.locator("#vitals-form")  # type: ignore[attr-defined]
    for label, value in TYPED.items():
        form.get_by_label(label, exact=True).fill(value)  # the label is tied to its input
    form.get_by_label("SpO2", exact=True).fill("191")  # a slip of the finger: 191 %
    form.get_by_label("Air or oxygen", exact=True).select_option("air")
    form.get_by_label("Consciousness (ACVPU)", exact=True).select_option("A")
    assert_fits(page, "the vital-signs form at 768 px")
    for code in ("resp_rate", "spo2", "heart_rate"):  # each unit on its input's line
        field, unit = (page.locator(f"#vitals-{code}{part}").bounding_box() for part in ("", "-unit"))  # type: ignore[attr-defined]
        assert field is not None and unit is not None
        assert unit["x"] >= field["x"] + field["width"] and abs(unit["y"] - field["y"]) < field["height"]
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#vitals-spo2-error")  # type: ignore[attr-defined]
    spo2 = page.locator("#vitals-spo2")  # type: ignore[attr-defined]
    error = page.locator("#vitals-spo2-error")  # type: ignore[attr-defined]
    assert "outside the plausible range 40-100 %" in error.inner_text()
    assert "vitals-spo2-error" in str(spo2.get_attribute("aria-describedby"))
    # the bad field has the focus, given by the page after the load (at its next rendering)
    expect(spo2).to_be_focused()
    assert spo2.input_value() == "191", "what was typed is kept"
    for label, value in TYPED.items():
        assert form.get_by_label(label, exact=True).input_value() == value, label
    assert form.get_by_label("Consciousness (ACVPU)", exact=True).input_value() == "A"
    assert page.locator("table tr[data-observation]").count() == 0, "nothing was recorded"  # type: ignore[attr-defined]
    assert_fits(page, "the vital-signs form with its errors at 768 px")
    spo2.fill("91")
    form.locator("button[type=submit]").click()
    page.wait_for_url(patient)  # type: ignore[attr-defined]
    decision = page.locator("#decision")  # type: ignore[attr-defined]
    assert "EMERGENCY TRANSFER" in decision.inner_text().upper()
    news2 = page.locator("table.scores tr[data-score=news2] td.value").inner_text()  # type: ignore[attr-defined]
    assert re.match(r"10\b", news2.strip()), news2
    manual = page.locator("tr[data-observation]", has_text="entered by hand")  # type: ignore[attr-defined]
    assert manual.count() == 8
    assert len({manual.nth(i).locator("td").nth(2).inner_text() for i in range(8)}) == 1, "one time"
    # in Chinese: the error beside its field, and the form still fits the tablet
    page.click("form[action='/language'] button")  # type: ignore[attr-defined]
    page.wait_for_url(patient)  # type: ignore[attr-defined]
    try:
        form.get_by_label("体温", exact=True).fill("三十八")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#vitals-temperature-error")  # type: ignore[attr-defined]
        assert "体温：数值不是数字，读数未记录。" in page.inner_text("#vitals-temperature-error")  # type: ignore[attr-defined]
        assert form.get_by_label("体温", exact=True).input_value() == "三十八"
        assert_fits(page, "the vital-signs form with its error at 768 px (zh)")
    finally:
        page.click("form[action='/language'] button")  # type: ignore[attr-defined]

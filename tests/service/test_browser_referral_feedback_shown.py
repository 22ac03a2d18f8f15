"""The receiving hospital's feedback, recorded when a clinician completes a referral (was it needed,
the diagnosis), was shown nowhere afterwards: the referrals list and the patient page said
"Completed" alone, so the clinic learnt nothing from the answer it had typed in. Now the status
says it - "Hospital: the referral was not needed; diagnosis: ..." / "医院：转诊不必要；诊断：..." -
and the analyst's list says whether it was needed, not the hospital's words. Completed by keyboard
in a real Chromium on a real uvicorn server over a real SQLite file, English at 768 px and Chinese
at 360 px."""

from __future__ import annotations

import re
from typing import Any

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

SAYS = {
    "en": ("Hospital: the referral was not needed", "diagnosis: COPD, stable"),
    "zh": ("医院：转诊不必要", "诊断：COPD, stable"),
}


def test_a_completed_referral_says_the_hospitals_feedback(browser: object, desk: Desk) -> None:
    page: Any = log_in(browser, desk, Role.clinician, 768, "en")
    for language, width in (("en", 768), ("zh", 360)):
        referral, encounter = desk.referred(f"FEEDBACK-{language}", sent_by=Role.clinician)
        for step in ("accepted", "arrived"):
            desk.api(Role.clinician, f"/referrals/{referral}/status", {"status": step})
        switched(page, language, width)  # (signed in once: the language switch for Chinese)
        page.goto(f"{desk.url}/encounters/{encounter}")
        form = page.locator(
            f"tr.referral-steps[data-referral='{referral}'] form:has(button[value=completed])"
        )
        form.locator("select[name=justified]").focus()
        form.locator("select[name=justified]").select_option("no")
        page.keyboard.press("Tab")
        page.keyboard.type("COPD, stable")
        page.keyboard.press("Tab")  # the Completed button
        assert page.evaluate("document.activeElement.value") == "completed"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        for path in ("/referrals", f"/encounters/{encounter}"):
            page.goto(f"{desk.url}{path}")
            cell = page.locator("td.status.s-completed").first.inner_text()
            for said in SAYS[language]:
                assert said in cell, (language, path, cell)
            assert_fits(page, f"{path} with the feedback ({language}, {width} px)")
    close_tab(page)
    analyst: Any = log_in(browser, desk, Role.analyst, 768, "en")
    analyst.goto(f"{desk.url}/referrals")
    cells = analyst.locator("td.status.s-completed").all_inner_texts()
    assert len(cells) == 2 and all(SAYS["en"][0] in cell for cell in cells), cells
    assert "COPD" not in analyst.content(), "the hospital's words are not the analyst's"
    assert re.search("diagnosis", " ".join(cells)) is None
    close_tab(analyst)

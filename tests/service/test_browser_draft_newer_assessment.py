"""An override or a referral being typed when the session ended came back after login only while
the visit had no newer assessment: the form's address names the assessment it was typed for
(``/assessments/{id}/override``), a device's result or a nurse's "assess now" in between gave the
page a form with another address, and what the clinician had typed was dropped without a word.
Now it is put back in the form of the same name (the override, the referral form), with the note
to check it and send it again - nothing is sent by itself. A real Chromium on a real uvicorn server
over a real SQLite file, Chinese at 360 px and English at 768 px."""

from __future__ import annotations

import re

from tests.service.switched import switched_patient_pages
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import WORDS, Desk, browser, desk, sign_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]


def test_an_override_typed_when_the_session_ended_is_back_after_a_newer_assessment(
    browser: object, desk: Desk
) -> None:
    """The clinician signed in through the login form once before the Chinese page, and again after
    each session ended (what the test is about); the English page in a tab of its own, in the
    session of that sign-in (tests/service/switched.py)."""
    pages = switched_patient_pages(browser, desk, "DRAFT-NEWER", Role.clinician, own_tab=True)
    for language, width, page, made in pages:
        encounter = made["encounter_id"]
        override = page.locator("#override-form")
        override.locator("select[name=disposition]").select_option("urgent_referral")
        reason = "exertional chest pain, seen by me - 劳力性胸痛"
        override.locator("textarea[name=reason]").fill(reason)
        desk.app.state.runtime.sessions.end_user("clinician")  # idle logout while typing
        # meanwhile the nurse records a reading and the visit is assessed again: a newer assessment
        desk.api(
            Role.nurse,
            f"/encounters/{encounter}/observations",
            [{"code": "temperature", "value": 37.9, "unit": "Cel"}],
        )
        newer = desk.api(Role.nurse, f"/encounters/{encounter}/assessments", {})
        assert newer["id"] != made["id"]
        override.locator("button[type=submit]").click()
        page.wait_for_selector("#login-notice")
        sign_in(page, Role.clinician)
        page.wait_for_url(re.compile(rf".*/encounters/{encounter}$"))
        assert override.get_attribute("action") == f"/assessments/{newer['id']}/override"
        assert override.locator("textarea[name=reason]").input_value() == reason, "what was typed is back"
        assert override.locator("select[name=disposition]").input_value() == "urgent_referral"
        assert WORDS[language]["restored"] in override.locator("p.restored").inner_text()
        assert (
            desk.count(
                "SELECT count(*) FROM overrides WHERE assessment_id IN (?, ?)", made["id"], newer["id"]
            )
            == 0
        )
        assert_fits(page, f"the restored override ({language}, {width} px)")

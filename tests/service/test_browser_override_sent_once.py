"""The override form is sent once: a clinician pressing its button twice (or Enter on it) while the
service has not answered records one override, its button marked unavailable meanwhile - as the
other forms of the patient page (``app.js``, ``test_browser_form_sending.py``). The request is
held back by the browser test itself, not timed. A real Chromium on a real uvicorn server over a
real SQLite file, Chinese at 360 px, English at 768 px."""

from __future__ import annotations

from tests.service.switched import switched_patient_pages
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk
from tests.service.test_browser_form_sending import held_back
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]


def test_the_override_form_pressed_twice_while_waiting_records_one_override(
    browser: object, desk: Desk
) -> None:
    # one sign-in; own_tab: the English page in a context of its own, its sessionStorage (the
    # recorder's submits) empty, as each language's new login page had it
    for _language, _width, page, made in switched_patient_pages(
        browser, desk, "OVERRIDE-ONCE", Role.clinician, own_tab=True
    ):
        assessment = made["id"]
        held = held_back(page, f"**/assessments/{assessment}/override")  # released below
        form = page.locator("#override-form")
        form.locator("select[name=disposition]").select_option("urgent_referral")
        form.locator("textarea[name=reason]").fill("chest pain on exertion")
        button = form.locator("button[type=submit]")
        with page.expect_request(f"**/assessments/{assessment}/override"):
            button.click(no_wait_after=True)
        page.keyboard.press("Enter")  # the focused button pressed again while the answer is held back
        page.keyboard.press("Space")
        assert len(held) == 1
        with page.expect_navigation():
            held[0].continue_()
        submits = page.evaluate("JSON.parse(sessionStorage.getItem('submits'))")
        assert len(submits) == 3, submits
        assert submits[0] == [False, "true", "progress", False], submits
        assert all(refused for refused, *_ in submits[1:]), submits
        stored = desk.count("SELECT count(*) FROM overrides WHERE assessment_id = ?", assessment)
        assert stored == 1

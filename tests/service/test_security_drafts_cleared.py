"""What a nurse typed (a patient's readings, names) stayed in the tab's sessionStorage for up to
12 h after the session ended on a shared PC. Kept for the login page that says the session ended
(the same person gets it back after logging in), it is dropped when the login page is opened
afresh - the next person at the PC - as on logout. Real Chromium, real uvicorn."""

from __future__ import annotations

from tests.service.chromium import close_tab
from tests.service.test_browser import browser, pytestmark  # noqa: F401  (the module's fixtures)
from tests.service.test_browser_desk import Desk, desk, patient_page  # noqa: F401
from triage.service.auth import Role

STORED = "window.sessionStorage.getItem('triage.drafts')"


def test_a_login_page_opened_afresh_drops_what_an_ended_session_left(
    browser: object,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    page, _ = patient_page(browser, desk, "DESK-LEFT", Role.nurse, 1280, "en")
    page.fill("#vitals-form input[name=heart_rate]", "101")
    desk.app.state.runtime.sessions.end_user("nurse")  # idle logout while the form was typed
    page.click("#vitals-form button[type=submit]")
    page.wait_for_selector("#login-notice")
    assert page.evaluate(STORED) is not None, "kept for the person whose session ended"
    page.goto(f"{desk.url}/login")  # the next person at the PC
    page.wait_for_selector("input[name=username]")
    assert page.evaluate(STORED) is None
    close_tab(page)

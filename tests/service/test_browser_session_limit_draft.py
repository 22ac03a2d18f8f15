"""A session that reaches its absolute limit (``service.session_max_age_s``, 8 h) while a form is
being typed says why and keeps the form. The session cookie's own lifetime was that same limit, so
the browser dropped the cookie at the very moment the service ended the session: the live queue's
next refresh came without a cookie, the service could not tell an ended session from nobody logged
in, and the login page opened as it does for the next person at a shared PC - no "Your session
ended" notice, and ``app.js`` dropped the walk-in being typed (a login page opened afresh drops
what was kept). Now the cookie outlives the session (by the 12 h a draft is kept): the service
ends the session at its limit as before, and the browser still shows it the cookie, so the login
page says the session ended, keeps the form and puts it back after login.

Real parts: Debian's Chromium, a real uvicorn over a real SQLite log. Eight hours pass for both
sides at once, not waited for: the session's login time in the log and the cookie's expiry in the
browser are each set back by the limit (a cookie whose expiry is then past is gone, as the browser
drops it). Chinese at 360 px, English at 768 px, on one service for the module (``clinic``; each
case started one of its own): each logs in through the form (its own session, its own page),
types a record number of its own (LIMIT-<language>) and reads it back; the sessions set back are
every session of the log, the earlier case's among them, which has ended with its page by then."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.service.chromium import close_tab
from tests.service.conftest import PASSWORD, WALK_IN
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, clinic, log_in
from triage.service.auth import SESSION_COOKIE, Role
from triage.service.i18n import catalogue
from triage.service.pages.account import spoken_span

__all__ = ["browser", "clinic", "pytestmark"]


def _limit_reached(page: Any, desk: Desk) -> None:
    """``session_max_age_s`` (and a second) later, for the service and for the browser."""
    passed = desk.app.state.runtime.settings.service.session_max_age_s + 1
    db = desk.app.state.runtime.databases.get()
    with db.conn:
        db.conn.execute("UPDATE staff_sessions SET created_at = created_at - ?", [passed])
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    page.context.clear_cookies()
    if cookie["expires"] - passed > page.evaluate("Date.now() / 1000"):  # else the browser drops it
        page.context.add_cookies([{**cookie, "expires": cookie["expires"] - passed}])


@pytest.mark.parametrize(("width", "language"), [(360, "zh"), (768, "en")])
def test_a_walk_in_typed_when_the_session_reaches_its_limit_is_kept_and_the_end_said(
    browser: Any, clinic: Desk, width: int, language: str
) -> None:
    desk = clinic
    page: Any = log_in(browser, desk, Role.nurse, width, language)
    page.locator("#walk-in summary").click()
    page.locator("#walk-in input[name=mrn]").fill(f"LIMIT-{language}")
    page.locator("#walk-in input[name=name]").fill("Synthetic Limit")
    _limit_reached(page, desk)
    desk.api(Role.clinician, "/assessments", {**WALK_IN, "patient": {"mrn": f"OTHER-{language}"}})
    page.wait_for_url(re.compile(r".*/login\?.*"))  # the live queue's refresh found the session ended
    notice = page.locator("#login-notice")
    assert notice.count() == 1, "the login page says the session ended"
    limits, clinic = desk.app.state.runtime.settings.service, catalogue("zh")  # nobody's: the clinic's
    expired = clinic(
        "login.expired",
        idle=spoken_span(limits.idle_logout_s, clinic),
        session=spoken_span(limits.session_max_age_s, clinic),
    )
    assert notice.inner_text() == expired
    assert page.locator("#draft-kept").is_visible(), "and that what was typed is kept"
    assert_fits(page, f"session limit ({language}, {width} px)")
    page.fill("input[name=username]", Role.nurse.value)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue$"))
    assert page.locator("#walk-in input[name=mrn]").input_value() == f"LIMIT-{language}"
    assert page.locator("#walk-in input[name=name]").input_value() == "Synthetic Limit"
    close_tab(page)

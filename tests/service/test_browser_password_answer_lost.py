"""A password change whose answer was lost, then a login with the old password, says why it is
refused. The change was made - the new password written, the session given a new cookie in the
answer - but the answer never reached the browser (the network cut): the page went to the login
page, and the old password, typed from habit, was refused with "User name or password is wrong"
and no hint that the change had been made. Now the refusal, on the browser the change was sent
from (it still holds the session cookie the change was sent with, which only that account's user
had), says the password was changed and when, to log in with the new one. From any other browser
the refusal says no more than a wrong password does: whether the account exists, or changed its
password, is not told to someone who does not hold that cookie.

Real parts: Debian's Chromium, a real uvicorn over a real SQLite log; the change is sent by the
page and stored by the service (a Playwright route passes it on), its answer dropped as a cut
network drops it. Chinese at 360 px, English at 768 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.service.chromium import close_tab
from tests.service.conftest import PASSWORD, copy_seeded, live_server, make_settings
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, log_in
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role
from triage.service.i18n import catalogue

__all__ = ["browser", "pytestmark"]

NEW = "a-new-passphrase-for-the-nurse"


def _changed_answer_lost(page: Any) -> None:
    """The page sends the change; the service makes it; the answer (its new cookie) is dropped."""
    before = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    stored: list[int] = []

    def cut(route: Any) -> None:
        stored.append(route.fetch(max_redirects=0).status)  # the service's answer: changed
        route.abort("connectionreset")  # which never reaches the browser

    page.route("**/account/password", cut)
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=new_password]", NEW)
    with page.expect_event("requestfailed"):
        page.click("form[action='/account/password'] button[type=submit]")
    assert stored == [303], stored
    page.unroute("**/account/password")
    # the cookie the lost answer set never reached the browser: it holds the one it sent
    page.context.add_cookies([before])


@pytest.mark.parametrize(("width", "language"), [(360, "zh"), (768, "en")])
def test_the_old_password_after_a_change_whose_answer_was_lost_is_refused_saying_so(
    browser: Any, tmp_path: Path, seeded: tuple[Path, dict[Role, str]], width: int, language: str
) -> None:
    """The login page is in the clinic's language (nobody is logged in): a clinic of each."""
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path, default_language=language))
    with live_server(app) as url:
        _refused_saying_so(browser, Desk(url, app, tokens), width, language)


def _refused_saying_so(browser: Any, desk: Desk, width: int, language: str) -> None:
    said = catalogue(language)
    page: Any = log_in(browser, desk, Role.nurse, width, language)
    page.goto(f"{desk.url}/account/password")
    _changed_answer_lost(page)
    assert desk.app.state.runtime.accounts.authenticate("nurse", NEW) is not None, "the change was made"

    page.goto(f"{desk.url}/queue")  # the old cookie ended with the change: the login page
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("input[name=username]", "nurse")
    page.fill("input[name=password]", PASSWORD)  # the old one, from habit
    page.click("form[action='/login'] button[type=submit]")
    error = page.locator("#login-error")
    error.wait_for()
    text = error.inner_text()
    assert text.startswith(said("login.failed")), text
    assert re.search(r"\d\d:\d\d:\d\d", text) is not None, f"when it was changed: {text}"
    assert_fits(page, f"the login refused after a change ({language}, {width} px)")
    # with the new password, in
    page.fill("input[name=password]", NEW)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue$"))
    close_tab(page)

    # another browser (no cookie of that session): a wrong password says no more than that
    other = browser.new_page(viewport={"width": width, "height": 900})
    other.goto(f"{desk.url}/login")
    other.fill("input[name=username]", "nurse")
    other.fill("input[name=password]", PASSWORD)
    other.click("form[action='/login'] button[type=submit]")
    other.locator("#login-error").wait_for()
    assert other.locator("#login-error").inner_text() == said("login.failed")
    close_tab(other)

"""A password change pressed again while the first press's answer had not come back is said done:
the first press wrote the new password, and the second - the same form, sent with the current
password that was no longer current - came back "not this account's password" beside the field (and
counted as a failed login), as though the change had failed. Real Chromium, real uvicorn, a real
SQLite log; the first press is its write, made while the page waits (the second press's session is
still the one the first was sent from, as before the first press's answer rekeys it)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.service.chromium import close_tab
from tests.service.conftest import PASSWORD, SERVER_WAIT_MS
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import SESSION_COOKIE, Role
from triage.service.security import token_digest

__all__ = ["browser", "desk", "pytestmark"]

NEW = "a-new-passphrase-for-the-nurse"


def _changes(desk: Desk) -> list[str]:
    sql = "SELECT action FROM audit WHERE entity = 'user' AND entity_id = 'nurse' ORDER BY seq"
    db = desk.app.state.runtime.databases.get()
    return [row[0] for row in db.conn.execute(sql) if row[0].startswith("user.password_change")]


def test_a_password_change_pressed_again_after_the_first_changed_it_is_said_done(
    browser: object, desk: Desk
) -> None:
    page: Any = log_in(browser, desk, Role.nurse, 1280, "en")
    page.goto(f"{desk.url}/account/password")
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=new_password]", NEW)
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    accounts = desk.app.state.runtime.accounts
    accounts.change_password(  # the first press, as the service wrote it
        "nurse", PASSWORD, NEW, keep_session=token_digest(cookie), client="127.0.0.1"
    )
    page.click("form[action='/account/password'] button[type=submit]")  # the second press
    page.wait_for_url(re.compile(r".*/account/password(\?changed=true)?$"))
    expect(page.locator("#password-changed")).to_be_visible(timeout=SERVER_WAIT_MS)  # its answer
    assert not page.locator(".field-error").count(), page.locator(".field-error").all_inner_texts()
    assert accounts.authenticate("nurse", NEW) is not None
    assert _changes(desk) == ["user.password_change"], "changed once, nothing refused"
    # another new password after that is a change of its own, the current one required
    page.fill("input[name=current_password]", "not-the-password-now")
    page.fill("input[name=new_password]", "yet-another-passphrase")
    page.click("form[action='/account/password'] button[type=submit]")
    expect(page.locator("#password-current-error")).to_contain_text(
        "The current password is wrong", timeout=SERVER_WAIT_MS
    )
    close_tab(page)

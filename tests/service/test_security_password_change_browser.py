"""A nurse changes her own password on the page, in Chinese, from the header's link: the current
one wrong first (said beside its field), then right; her session at another PC ends and the new
password logs in. Real Chromium, real uvicorn."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.test_browser import browser, pytestmark  # noqa: F401  (the module's fixtures)
from tests.service.test_browser_desk import Desk, desk, log_in  # noqa: F401
from triage.service.auth import Role

NEW = "night-shift-47-quince"


def test_a_nurse_changes_her_password_on_the_page(browser: Any, desk: Desk) -> None:  # noqa: F811
    elsewhere = log_in(browser, desk, Role.nurse, 1280, "zh")  # her other PC (a page of its own context)
    page = log_in(browser, desk, Role.nurse, 1280, "zh")
    page.click("header a[href='/account/password']")
    page.wait_for_url("**/account/password")
    page.fill("input[name=current_password]", "not-her-password")
    page.fill("input[name=new_password]", NEW)
    page.click("form[action='/account/password'] button[type=submit]")
    page.wait_for_selector("#password-current-error")
    assert "当前密码不正确。" in page.inner_text("#password-current-error")
    assert page.get_attribute("input[name=current_password]", "aria-invalid") == "true"
    page.fill("input[name=current_password]", "clinic-pass-2026")
    page.fill("input[name=new_password]", NEW)
    page.click("form[action='/account/password'] button[type=submit]")
    page.wait_for_selector("#password-changed")
    assert "密码已修改" in page.inner_text("#password-changed")
    elsewhere.goto(f"{desk.url}/queue")
    assert "/login" in elsewhere.url, "her session at the other PC ended"
    elsewhere.fill("input[name=username]", "nurse")
    elsewhere.fill("input[name=password]", NEW)
    elsewhere.click("button[type=submit]")
    elsewhere.wait_for_url("**/queue")
    page.goto(f"{desk.url}/queue")
    assert page.url.endswith("/queue"), "the session she changed it in stays"
    # both queues hold the live stream (/events) open: left open, the service's stop at the end of
    # the test (uvicorn waits for open connections) waited out live_server's 10 s for them
    close_tab(elsewhere)
    close_tab(page)

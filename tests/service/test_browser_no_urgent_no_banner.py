"""A queue with no urgent case shows no urgent banner: the banner's words came from a template that
begins with a comment and a line break, so "no words" was a line break, not nothing - the red
banner (``#urgent-alert``, ``role=alert``) was drawn empty across the page under the walk-in form,
on an empty queue and on a calm one, until the first live refresh rewrote it. An urgent case still
shows it with its count. A real Chromium on a real uvicorn server over a real SQLite file, en 390 px
and zh 1280 px."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]


def test_no_urgent_case_no_banner(browser: object, desk: Desk) -> None:
    # one sign-in (it signed in through the login form for each language): Chinese by the header's
    # switch, which loads the queue again, and back to English at 390 px by it
    page: Any = log_in(browser, desk, Role.nurse, 390, "en")
    for language, width in (("en", 390), ("zh", 1280)):
        switched(page, language, width)
        if language == "en":
            page.goto(f"{desk.url}/queue")
        expect(page.locator("#urgent-alert")).to_be_hidden()
    switched(page, "en", 390)
    desk.api(Role.nurse, "/assessments", {"patient": {"mrn": "CALM-1"}, "observations": CALM})
    page.goto(f"{desk.url}/queue")
    expect(page.locator("tr[data-encounter]")).to_have_count(1)
    expect(page.locator("#urgent-alert")).to_be_hidden()
    desk.api(Role.nurse, "/assessments", WALK_IN | {"patient": {"mrn": "URGENT-1"}})
    page.goto(f"{desk.url}/queue")
    expect(page.locator("#urgent-alert")).to_have_text("⚠\ufe0e 1 urgent case needs attention now")
    close_tab(page)

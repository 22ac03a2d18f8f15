"""The password page's new-password field is described by the rules it must meet. The rules
("at least 10 characters, not your user name and not one of the common passwords") stood in a
paragraph above the form, tied to no field: a screen reader tabbing to "New password" read its label
only, and the user learnt the rules from a refusal. Now the field's accessible description is that
paragraph (aria-describedby), with a refusal's error after it. Chromium's accessibility tree, zh at
360 px, en at 768 px."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.service.chromium import close_tab
from tests.service.conftest import PASSWORD, SERVER_WAIT_MS
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role
from triage.service.i18n import catalogue

__all__ = ["browser", "desk", "pytestmark"]


def test_the_new_password_field_says_its_rules_to_a_screen_reader(browser: object, desk: Desk) -> None:
    for language, width in (("zh", 360), ("en", 768)):
        said = catalogue(language)
        page: Any = log_in(browser, desk, Role.nurse, width, language)
        page.goto(f"{desk.url}/account/password")
        field = page.get_by_label(said("password.new"), exact=True)
        expect(field).to_have_accessible_description(said("password.intro"))
        # refused: the rules, then the error
        page.get_by_label(said("password.current"), exact=True).fill(PASSWORD)
        field.fill("password123")  # one of the common passwords
        page.click("form[action='/account/password'] button[type=submit]")
        refused = page.get_by_label(said("password.new"), exact=True)
        expect(refused).to_have_attribute("aria-invalid", "true", timeout=SERVER_WAIT_MS)  # its answer
        expect(refused).to_have_accessible_description(
            re.compile(
                "^" + re.escape(said("password.intro")) + ".*" + re.escape(said("error.password_common"))
            )
        )
        close_tab(page)

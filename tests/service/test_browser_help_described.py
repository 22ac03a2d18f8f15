"""The patient page's close-visit and attach-device forms tie what they do to their fields. What a
close does ("attached devices are detached ... no readings, assessments or devices can be added")
and how long an attached device's readings go to the patient stood in a small paragraph under each
form's heading, tied to no field: a screen reader tabbing from the heading's form to its field read
the field's label only. Now the close's reason field and the attach form's device list are
described by them (aria-describedby; the close's reason refused, its error after it). Chromium's
accessibility tree; zh at 360 px, en at 768 px."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from referral.inbox import NewDeviceMessage, record_message
from tests.service.switched import switched_patient_pages
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk
from triage.service.auth import Role
from triage.service.i18n import catalogue

__all__ = ["browser", "desk", "pytestmark"]


def test_the_close_and_attach_forms_say_what_they_do_to_a_screen_reader(browser: object, desk: Desk) -> None:
    db = desk.app.state.runtime.databases.get()
    record_message(
        db, NewDeviceMessage(device_id="ward-oximeter", session_id="s", protocol="line", raw=b"x"), []
    )
    for language, _width, page, made in switched_patient_pages(browser, desk, "HELP", Role.nurse):
        said = catalogue(language)
        page: Any
        close = page.locator(f"form[action='/encounters/{made['encounter_id']}/close']")
        expect(close.locator("input[name=reason]")).to_have_accessible_description(said("closure.close_help"))
        attach = page.locator("#attach-form select[name=device_id]")
        help_text = page.locator("#attach-form small").inner_text()
        assert help_text.startswith(said("assoc.attach_help").split("{")[0][:8]), help_text
        expect(attach).to_have_accessible_description(help_text)
        # the close refused (a reason of spaces): what it does, then the error
        close.locator("input[name=reason]").fill("   ")
        with page.expect_navigation():
            close.locator("button[type=submit]").click()
        reason = page.locator(f"form[action='/encounters/{made['encounter_id']}/close'] input[name=reason]")
        expect(reason).to_have_attribute("aria-invalid", "true")
        expect(reason).to_have_accessible_description(
            re.compile("^" + re.escape(said("closure.close_help")) + ".+")
        )

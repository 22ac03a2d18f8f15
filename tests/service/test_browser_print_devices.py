"""The patient page's "Attached devices" card with no device attached ("No device is attached to
this patient." / "The device gateway knows no devices yet.") printed on the page a GP sends with
the patient - noise on paper. In a real Chromium, print media: an empty card is not displayed; on
screen it still is (where a device is attached from)."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]


def test_an_empty_devices_card_is_not_printed_but_shown_on_screen(browser: object, desk: Desk) -> None:
    made = desk.api(Role.nurse, "/assessments", WALK_IN)
    page: Any = log_in(browser, desk, Role.clinician, 1024, "en")
    page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
    card = page.locator("#encounter-devices")
    assert "No device is attached" in card.inner_text()
    for media, shown in (("screen", True), ("print", False), ("screen", True)):
        page.emulate_media(media=media)
        assert card.is_visible() is shown, f"{media}: the empty devices card displayed = {card.is_visible()}"
    page.emulate_media(media="print")
    assert page.locator("#reasons").is_visible(), "the rest of the page still prints"
    close_tab(page)

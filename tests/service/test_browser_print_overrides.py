"""A decision overridden, printed: the override card's heading is its form's, "Override the decision"
/ "更改处置" - on paper, where the form is not printed, it read as an instruction above the record
of who changed the decision. In a real Chromium, print media, en and zh: the heading is not printed,
the record ("Clinician overrides", its entry) is; on screen both are."""

from __future__ import annotations

from typing import Any

import httpx

from tests.service.chromium import close_tab
from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]


def test_the_override_form_s_heading_is_not_printed_above_the_record(browser: object, desk: Desk) -> None:
    made = desk.api(Role.nurse, "/assessments", WALK_IN)
    changed = httpx.post(
        f"{desk.url}/api/v1/assessments/{made['id']}/overrides",
        json={"disposition": "urgent_referral", "reason": "seen in person"},
        headers={"Authorization": f"Bearer {desk.tokens[Role.clinician]}"},
        timeout=HTTP_TIMEOUT_S,
    )
    assert changed.status_code in (200, 201), changed.text
    for language in ("en", "zh"):
        page: Any = log_in(browser, desk, Role.clinician, 1024, language)
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        heading, record = page.locator("#override h2"), page.locator("#override li.override")
        for media, form_heading in (("screen", True), ("print", False), ("screen", True)):
            page.emulate_media(media=media)
            assert heading.is_visible() is form_heading, (language, media, heading.inner_text())
            assert record.is_visible(), (language, media)
            assert page.locator("#override h3").is_visible(), (language, media)
        close_tab(page)

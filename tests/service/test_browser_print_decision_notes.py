"""A referral's note that it is less (or more) urgent than the visit's decision is an instruction
to staff ("Cancel it (say why) and refer again below ...", "tell the hospital ..."): on paper, where
the forms it points to are not printed, it read as part of the record. In a real Chromium on a real
uvicorn server, print media, en and zh: the notes are on screen and not on the printed page, the
referral's own row is on both."""

from __future__ import annotations

from typing import Any

import httpx

from tests.service.chromium import close_tab
from tests.service.conftest import HTTP_TIMEOUT_S
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]


def test_the_decision_notes_are_not_printed(browser: object, desk: Desk) -> None:
    below, below_visit = desk.referred("NOTE-1", "routine")  # beside an emergency transfer
    above, above_visit = desk.referred("NOTE-2", "emergency")
    bearer = {"Authorization": f"Bearer {desk.tokens[Role.nurse]}"}
    visit_read = httpx.get(
        f"{desk.url}/api/v1/encounters/{above_visit}", headers=bearer, timeout=HTTP_TIMEOUT_S
    ).json()
    assessment = visit_read["assessment"]["id"]
    desk.api(
        Role.clinician,
        f"/assessments/{assessment}/overrides",
        {"disposition": "routine_referral", "reason": "seen in person"},
    )
    page: Any = log_in(browser, desk, Role.clinician, 1024, "en")
    for language in ("en", "zh"):
        switched(page, language, 1024)  # (signed in once: the language switch for Chinese)
        for referral, visit, note in ((below, below_visit, "below"), (above, above_visit, "above")):
            page.goto(f"{desk.url}/encounters/{visit}")
            warning = page.locator(f'tr[data-referral="{referral}"] .{note}-decision')
            row = page.locator(f"#encounter-referrals td.id:text-is('#{referral}')")
            for media, shown in (("screen", True), ("print", False), ("screen", True)):
                page.emulate_media(media=media)
                assert warning.is_visible() is shown, (language, note, media, warning.inner_text())
                assert row.is_visible(), (language, note, media)
    close_tab(page)

"""Closing a visit leaves a referral proposed and not sent open (referrals are not affected), but
the close form said only "Referrals are not affected": a nurse closing a local-care visit did not
learn that a proposal was still waiting for a clinician to send or cancel it. Now the form names
each open proposal. In a real Chromium on a real uvicorn server over a real SQLite file, en and zh."""

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

SAYS = {"en": "Proposed and not sent", "zh": "已建议但未发送"}


def _decided_local_care(desk: Desk, encounter: int) -> None:
    """A clinician changes the visit's decision to local care: no referral is needed any more."""
    bearer = {"Authorization": f"Bearer {desk.tokens[Role.nurse]}"}
    read = httpx.get(
        f"{desk.url}/api/v1/encounters/{encounter}", headers=bearer, timeout=HTTP_TIMEOUT_S
    ).json()
    override = {"disposition": "local_care", "reason": "seen in person"}
    desk.api(Role.clinician, f"/assessments/{read['assessment']['id']}/overrides", override)


def test_the_close_form_names_the_open_proposal(browser: object, desk: Desk) -> None:
    referral, visit = desk.referred("PROPOSED-1", "routine")
    _, sent_visit = desk.referred("PROPOSED-2", "routine", sent_by=Role.clinician)
    for encounter in (visit, sent_visit):
        _decided_local_care(desk, encounter)
    page: Any = log_in(browser, desk, Role.nurse, 1024, "en")
    for language in ("en", "zh"):
        switched(page, language, 1024)  # (signed in once: the language switch for Chinese)
        page.goto(f"{desk.url}/encounters/{visit}")
        said = page.locator("#close-form #close-proposed").inner_text()
        assert SAYS[language] in said and f"#{referral}" in said, (language, said)
        assert page.locator("#close-unreferred").count() == 0  # local care: nothing to confirm
        page.goto(f"{desk.url}/encounters/{sent_visit}")  # a sent referral waits for nobody here
        assert page.locator("#close-form").count() == 1 and page.locator("#close-proposed").count() == 0
    close_tab(page)

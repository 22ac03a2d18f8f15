"""A visit whose decision sends the patient on closed without a word while triage's proposal
waited, unsent: the guard that asks "close without a referral?" counted a proposed referral as one
made, so the nurse ending the day closed the visit and the patient went home referred by nobody
(more such visits since the pages' decisions propose too). Now only a referral sent counts: the
patient page warns and asks for the tick, the API answers 409 ``referral_not_made``, until a
clinician sends the proposal. A real Chromium (Chinese, 360 px; English, 768 px) on a real uvicorn
server over a real SQLite file."""

from __future__ import annotations

from typing import Any

import httpx

from referral import store
from tests.service.chromium import close_tab
from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN
from tests.service.served import triage_proposal
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

WARNS = {"en": "a proposed one waits for a clinician to send it", "zh": "建议的转诊须由医生发送"}


def test_a_visit_with_triage_s_unsent_proposal_closes_only_when_confirmed(
    browser: object, desk: Desk
) -> None:
    made = desk.api(Role.nurse, "/assessments", {**WALK_IN, "patient": {"mrn": "CLOSE-OVER-PROPOSAL"}})
    proposed = triage_proposal(desk.app, int(made["id"]))
    assert proposed["status"] == "proposed"
    db = desk.app.state.runtime.databases.get()
    encounter = made["encounter_id"]
    for language, width in (("zh", 360), ("en", 768)):
        page: Any = log_in(browser, desk, Role.nurse, width, language)
        page.goto(f"{desk.url}/encounters/{encounter}")
        warning = page.locator("#close-unreferred")
        assert warning.is_visible() and WARNS[language] in warning.inner_text(), language
        assert page.locator("input[name=without_referral]").get_attribute("required") is not None
        assert_fits(page, f"the close form over a proposal ({language}, {width} px)")
        close_tab(page)
    nurse = {"Authorization": f"Bearer {desk.tokens[Role.nurse]}"}
    refused = httpx.post(
        f"{desk.url}/api/v1/encounters/{encounter}/close",
        json={"reason": "end of day"},
        headers=nurse,
        timeout=HTTP_TIMEOUT_S,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "referral_not_made", refused.text
    assert store.get_encounter(db, encounter)["closed_at"] is None
    desk.api(Role.clinician, f"/referrals/{proposed['id']}/status", {"status": "sent"})
    closed = httpx.post(
        f"{desk.url}/api/v1/encounters/{encounter}/close",
        json={"reason": "transferred"},
        headers=nurse,
        timeout=HTTP_TIMEOUT_S,
    )
    assert closed.status_code == 200, closed.text

"""A status change retried after a timeout (the first request went through, its answer was lost)
was answered 409 ``impossible_transition`` with a sentence only - "a referral cannot go from "sent"
to "sent"; ..." - so a client had to parse English to tell its own success from a colleague's
change. Now the 409's ``context`` says the referral's status, the one requested and those allowed
from it. Real uvicorn on a real SQLite file; answers checked against /openapi.json; the page's own
refusal keeps its sentence."""

from __future__ import annotations

from pathlib import Path

from tests.service.conftest import WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from tests.service.test_api_analyst_view import Sync
from triage.service import create_app
from triage.service.auth import Role


def test_a_refused_status_change_says_the_status_the_referral_has(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    with live_server(create_app(make_settings(tmp_path))) as base:
        sync = Sync(base, tokens)
        walk_in = sync.call("POST", "/api/v1/assessments", Role.nurse, WALK_IN)
        body = {"assessment_id": walk_in["id"], "to_facility": "county-hospital", "urgency": "urgent"}
        made = sync.call("POST", "/api/v1/referrals", Role.clinician, body | {"reason": "SpO2 86 %"})
        status = f"/api/v1/referrals/{made['id']}/status"
        sync.call("POST", status, Role.clinician, {"status": "sent"})
        doctor = {"Authorization": f"Bearer {tokens[Role.clinician]}"}
        again = sync.client.post(status, json={"status": "sent"}, headers=doctor)
        conforms(sync.document, again)
        assert again.status_code == 409 and again.json()["code"] == "impossible_transition", again.text
        assert again.json()["context"] == {
            "status": "sent",
            "requested": "sent",
            "allowed": ["accepted", "cancelled", "declined"],
        }
        skipped = sync.client.post(
            status, json={"status": "completed", "feedback": {"justified": True}}, headers=doctor
        )
        assert skipped.status_code == 409 and skipped.json()["context"]["requested"] == "completed"
        sync.client.close()

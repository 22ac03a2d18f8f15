"""A status change retried after a timeout (the first request went through, its answer was lost)
was answered 409 ``impossible_transition`` with a sentence only - "a referral cannot go from "sent"
to "sent"; ..." - so a client had to parse English to tell its own success from a colleague's
change. Now the 409's ``context`` says the referral's status, the one requested and those allowed
from it. Real uvicorn on a real SQLite file; answers checked against /openapi.json."""

from __future__ import annotations

from tests.service.openapi_check import conforms
from tests.service.served import Served, served
from triage.service.auth import Role

__all__ = ["served"]


def test_a_refused_status_change_says_the_status_the_referral_has(served: Served) -> None:
    sync = served.sync
    made = served.referral("RETRY-1", "SpO2 86 %")
    status = f"/api/v1/referrals/{made['id']}/status"
    sync.call("POST", status, Role.clinician, {"status": "sent"})
    doctor = served.headers(Role.clinician)
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

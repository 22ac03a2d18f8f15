"""The analyst reads the reason of a proposal a clinician's override made, as of any other of
triage's proposals: ``proposed by triage: clinician_override`` names no person (the override's own
reason, free text, stays the clinical roles'), and tells the analyst that triage proposed it on a
clinician's decision rather than on rules. A person's text beginning with the same words is still
null. Real uvicorn on a real SQLite file, the override sent through the staff page's form; every
answer checked against /openapi.json."""

from __future__ import annotations

import re

from tests.service.conftest import PASSWORD
from tests.service.served import Served, served
from tests.service.test_browser_desk import CALM
from triage.service.auth import Role

__all__ = ["served"]

REASON = "proposed by triage: clinician_override"


def test_the_analyst_reads_the_reason_of_a_proposal_an_override_made(served: Served) -> None:
    sync = served.sync
    made = sync.call(
        "POST", "/api/v1/assessments", Role.nurse, {"patient": {"mrn": "OVR-AN-1"}, "observations": CALM}
    )
    assert made["disposition"] == "local_care"
    page = sync.client.post(
        "/login", data={"username": "clinician", "password": PASSWORD}, follow_redirects=True
    )
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {
        "csrf_token": csrf.group(1),
        "disposition": "urgent_referral",
        "reason": "Li Na's chest pain, seen by me",
    }
    overridden = sync.client.post(f"/assessments/{made['id']}/override", data=form, follow_redirects=False)
    assert overridden.status_code == 303, overridden.text
    sync.client.cookies.clear()
    (proposal,) = sync.call("GET", f"/api/v1/referrals?encounter_id={made['encounter_id']}", Role.clinician)
    assert (proposal["status"], proposal["reason"]) == ("proposed", REASON)
    (read,) = sync.call("GET", f"/api/v1/referrals?encounter_id={made['encounter_id']}", Role.analyst)
    assert read["reason"] == REASON, "triage's own reason, no person's text"
    assert sync.call("GET", f"/api/v1/referrals/{proposal['id']}", Role.analyst)["reason"] == REASON
    # a person's reason that merely begins so is free text: null
    other = served.referral("OVR-AN-2", f"{REASON}; called Dr Wang")
    assert sync.call("GET", f"/api/v1/referrals/{other['id']}", Role.analyst)["reason"] is None

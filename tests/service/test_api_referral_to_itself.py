"""A referral to the facility the visit is at was stored: ``POST /api/v1/referrals`` with the
clinic's own id as ``to_facility`` made a referral from clinic-demo to clinic-demo, which the
referrals list, the exports and the tier-imbalance analysis count as a patient moved between
facilities. Now a 422 naming ``to_facility``, nothing stored. Real uvicorn on a real SQLite file;
the answer checked against /openapi.json."""

from __future__ import annotations

from tests.service.conftest import WALK_IN
from tests.service.openapi_check import conforms
from tests.service.served import Served, served
from triage.service.auth import Role

__all__ = ["served"]


def test_a_referral_to_the_visits_own_facility_is_refused(served: Served) -> None:
    sync = served.sync
    walk_in = sync.call("POST", "/api/v1/assessments", Role.nurse, WALK_IN)
    body = {"assessment_id": walk_in["id"], "urgency": "urgent", "reason": "SpO2 86 %"}
    refused = sync.client.post(
        "/api/v1/referrals",
        json=body | {"to_facility": "clinic-demo"},
        headers=served.headers(Role.clinician),
    )
    conforms(sync.document, refused)
    assert refused.status_code == 422, refused.text
    assert refused.json()["fields"] == ["to_facility"]
    assert '"clinic-demo" is the facility the visit is at' in refused.json()["error"]
    db = served.app.state.runtime.databases.get()
    assert db.conn.execute("SELECT count(*) FROM referrals").fetchone()[0] == 0
    made = sync.call("POST", "/api/v1/referrals", Role.clinician, body | {"to_facility": "county-hospital"})
    assert (made["from_facility"], made["to_facility"]) == ("clinic-demo", "county-hospital")

"""A client reading a visit could not find its referrals: ``GET /api/v1/encounters/{id}`` names
none, and ``GET /api/v1/referrals`` took no visit, so it paged through every referral of the clinic
(and ``encounter_id`` was a 422 unknown parameter). Now ``encounter_id`` keeps that visit's
referrals, counted in ``X-Total-Count`` and kept in the ``Link`` of the next page. Real uvicorn on a
real SQLite file; answers checked against /openapi.json."""

from __future__ import annotations

from tests.service.openapi_check import conforms
from tests.service.served import Served, served
from triage.service.auth import Role

__all__ = ["served"]


def test_the_referrals_of_one_visit(served: Served) -> None:
    sync = served.sync
    first = served.referral("VISIT-1", "SpO2 86 %")
    served.referral("VISIT-2", "SpO2 86 %")
    second = sync.call(
        "POST",
        "/api/v1/referrals",
        Role.clinician,
        {
            "assessment_id": first["assessment_id"],
            "to_facility": "county-hospital",
            "urgency": "routine",
            "reason": "diabetes review as well",
            "alongside_open": True,
        },
    )
    visit = f"/api/v1/referrals?encounter_id={first['encounter_id']}"
    answer = sync.client.get(f"{visit}&limit=1", headers=served.headers(Role.nurse))
    conforms(sync.document, answer)
    assert answer.status_code == 200, answer.text
    assert [r["id"] for r in answer.json()] == [second["id"]]
    assert answer.headers["X-Total-Count"] == "2"
    following = answer.links["next"]["url"]
    assert f"encounter_id={first['encounter_id']}" in following
    rest = sync.client.get(following, headers=served.headers(Role.nurse))
    assert [r["id"] for r in rest.json()] == [first["id"]] and "next" not in rest.links
    assert sync.call("GET", "/api/v1/referrals?encounter_id=999", Role.analyst) == []

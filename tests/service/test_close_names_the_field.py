"""The 409 ``referral_not_made`` tells each user how to confirm a close without a referral in
their own words: the API names its field ``without_referral`` (it said "confirm closing the visit
without one", which an API client has no box to tick for), the CLI its ``--without-referral``;
the staff page's words stay. Real uvicorn on a real SQLite file, the real ``triage`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.service.conftest import WALK_IN
from tests.service.test_api_idempotency_header import Api, api  # noqa: F401
from triage.service.auth import Role

TRIAGE = Path(sys.executable).with_name("triage")


def test_the_refusal_names_the_field_to_send(api: Api, tmp_path: Path) -> None:  # noqa: F811
    walk_in = api.post(Role.nurse, "/api/v1/assessments", WALK_IN)  # urgent, nobody referred
    assert walk_in.status_code == 201, walk_in.text
    encounter = walk_in.json()["encounter_id"]
    refused = api.post(Role.nurse, f"/api/v1/encounters/{encounter}/close", {"reason": "went home"})
    assert refused.status_code == 409 and refused.json()["code"] == "referral_not_made", refused.text
    assert 'send "without_referral": true to close the visit without one' in refused.json()["error"]
    close = ["devices", "associations", "close-encounter", str(encounter), "--actor", "nurse"]
    cli = subprocess.run(
        [str(TRIAGE), *close, "--reason", "went home", "--db", str(tmp_path / "clinic.db")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 1, cli.stderr
    assert "add --without-referral to close the visit without one" in cli.stderr, cli.stderr


def test_the_close_names_the_proposals_it_leaves_open(api: Api) -> None:  # noqa: F811
    """An API client closing a local-care visit learns which proposal still waits for a clinician,
    as the page's close form says (the answer named none)."""
    made = api.post(Role.nurse, "/api/v1/assessments", WALK_IN).json()
    referral = {"assessment_id": made["id"], "to_facility": "county-hospital", "urgency": "routine"}
    proposed = api.post(Role.clinician, "/api/v1/referrals", referral | {"reason": "x"}).json()
    override = {"disposition": "local_care", "reason": "seen in person"}
    assert (
        api.post(Role.clinician, f"/api/v1/assessments/{made['id']}/overrides", override).status_code == 201
    )
    closed = api.post(Role.nurse, f"/api/v1/encounters/{made['encounter_id']}/close", {"reason": "home"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["proposed_referrals"] == [proposed["id"]]
    other = api.post(Role.nurse, "/api/v1/assessments", {**WALK_IN, "patient": {"mrn": "NONE-1"}}).json()
    path = f"/api/v1/encounters/{other['encounter_id']}/close"
    nothing = api.post(Role.nurse, path, {"reason": "home", "without_referral": True})
    assert nothing.status_code == 200 and nothing.json()["proposed_referrals"] == [], nothing.text

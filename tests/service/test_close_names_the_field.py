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

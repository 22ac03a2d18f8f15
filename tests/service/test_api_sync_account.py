"""A hospital's or district system's sync client keeps a copy of the clinic's referrals, visits and
assessments, read-only, with the token of an analyst account (real uvicorn, real accounts on a real
SQLite file). It read the referrals and their feed only: the visits' and assessments' feeds and an
assessment were the clinical roles', so such a client needed a nurse's token, which writes."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.auth import Role

SYNC_READS = ("/api/v1/changes/encounters?after=0", "/api/v1/changes/assessments?after=0")


def test_an_analyst_token_syncs_visits_and_assessments_without_names_and_an_integrator_is_told_which(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)

    def auth(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c,
    ):
        document = c.get("/openapi.json").json()
        made = c.post("/api/v1/assessments", json=WALK_IN, headers=auth(Role.nurse))
        assert made.status_code == 201, made.text
        assessment, encounter = made.json()["id"], made.json()["encounter_id"]
        for path in (*SYNC_READS, f"/api/v1/assessments/{assessment}"):
            read = c.get(path, headers=auth(Role.analyst))
            assert read.status_code == 200, (path, read.text)
            conforms(document, read)
            # the analyst reads no patient's name or record number (as on the pages)
            assert WALK_IN["patient"]["name"] not in read.text and WALK_IN["patient"]["mrn"] not in read.text
            refused = c.get(path, headers=auth(Role.integrator))
            assert refused.status_code == 403, refused.text
            conforms(document, refused)
            assert refused.json()["error"].endswith(
                "; a client that only reads (a hospital or district system keeping a copy of the"
                " referrals, visits and assessments) uses the token of an analyst account, which reads"
                " them, their change feeds and facilities and writes nothing"
            ), refused.text
        feed = c.get(SYNC_READS[0], headers=auth(Role.analyst)).json()
        assert [row["encounter"]["id"] for row in feed["data"]] == [encounter]
        feed = c.get(SYNC_READS[1], headers=auth(Role.analyst)).json()
        assert [row["assessment"]["id"] for row in feed["data"]] == [assessment]
        # a visit's page of readings names the patient: it stays the clinical roles'
        for role in (Role.analyst, Role.integrator):
            detail = c.get(f"/api/v1/encounters/{encounter}", headers=auth(role))
            conforms(document, detail)
            assert detail.status_code == 403, detail.text
            # and says where such a client finds the visit and its readings
            assert detail.json()["error"].endswith(
                "; this names the patient, which only the clinical roles read: a sync client copies"
                " the visits from GET /api/v1/changes/encounters, and their readings from each"
                " assessment's observations_used (GET /api/v1/changes/assessments)"
            ), detail.text
        # and the analyst's token writes nothing
        again = c.post("/api/v1/assessments", json=WALK_IN, headers=auth(Role.analyst))
        assert again.status_code == 403, again.text

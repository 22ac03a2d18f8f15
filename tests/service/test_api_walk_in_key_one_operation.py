"""A key names one operation: a walk-in's idempotency key sent again with "assess now" on the
visit the walk-in opened (or the other way round) is a 409 ``idempotency_conflict``, nothing
written - never answered the other operation's assessment as its replay. Both store their
assessment under the key, and a replay is recognised by the request's fingerprint, which differs
between the two bodies. Real uvicorn on a real SQLite file; every answer checked against
/openapi.json."""

from __future__ import annotations

import httpx

from tests.service.conftest import WALK_IN
from tests.service.openapi_check import conforms
from tests.service.served import Served, served
from triage.service.auth import Role

__all__ = ["served"]


def _count(served: Served, table: str) -> int:
    db = served.app.state.runtime.databases.get()
    return int(db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _post(served: Served, path: str, body: object, key: str) -> httpx.Response:
    answer = served.sync.client.post(
        path, json=body, headers=served.headers(Role.nurse) | {"Idempotency-Key": key}
    )
    conforms(served.sync.document, answer)
    return answer


def test_a_walk_ins_key_is_not_assess_nows_and_assess_nows_is_not_a_walk_ins(served: Served) -> None:
    walk_in = _post(served, "/api/v1/assessments", WALK_IN, "bridge-1")
    assert walk_in.status_code == 201, walk_in.text
    visit = walk_in.json()["encounter_id"]
    before = _count(served, "assessments"), _count(served, "audit")
    again = _post(served, f"/api/v1/encounters/{visit}/assessments", {}, "bridge-1")
    assert again.status_code == 409 and again.json()["code"] == "idempotency_conflict", again.text
    assert f"(id {walk_in.json()['id']})" in again.json()["error"], again.text
    assert (_count(served, "assessments"), _count(served, "audit")) == before, "nothing written"

    now = _post(served, f"/api/v1/encounters/{visit}/assessments", {}, "bridge-2")
    assert now.status_code == 201, now.text
    before = _count(served, "assessments"), _count(served, "audit")
    joined = _post(served, "/api/v1/assessments", WALK_IN, "bridge-2")  # the same patient's visit
    assert joined.status_code == 409 and joined.json()["code"] == "idempotency_conflict", joined.text
    assert (_count(served, "assessments"), _count(served, "audit")) == before, "nothing written"

    replay = _post(served, "/api/v1/assessments", WALK_IN, "bridge-1")  # each still replays itself
    assert replay.status_code == 201 and replay.json()["id"] == walk_in.json()["id"], replay.text
    replay = _post(served, f"/api/v1/encounters/{visit}/assessments", {}, "bridge-2")
    assert replay.status_code == 201 and replay.json()["id"] == now.json()["id"], replay.text

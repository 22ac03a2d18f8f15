"""A device bridge retries ``POST /api/v1/encounters/{id}/observations`` after a timeout with an
``Idempotency-Key`` header: the readings are stored once and every retry is answered the ids
stored the first time - also 8 retries at once, and once the visit is closed. The key with other
readings or for another encounter is a 409 ``idempotency_conflict``. Real uvicorn on a real SQLite
file; every answer checked against /openapi.json. The module's tests share one service
(:func:`bridge`)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlite_utils import Database

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.auth import Role

READINGS = [
    {"code": "temperature", "value": 38.2, "unit": "Cel", "device": "bridge-1"},
    {"code": "heart_rate", "value": 96, "unit": "/min", "device": "bridge-1"},
]


class Bridge:
    def __init__(self, base: str, folder: Path, tokens: dict[Role, str]) -> None:
        self.base, self.folder, self.tokens = base, folder, tokens
        with httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client:
            self.document = client.get("/openapi.json").json()

    def post(self, path: str, body: object, key: str | None, role: Role = Role.integrator) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        with httpx.Client(
            base_url=self.base, timeout=HTTP_TIMEOUT_S
        ) as client:  # one connection each, as separate retries
            answer = client.post(path, json=body, headers=headers)
        conforms(self.document, answer)
        return answer

    def visit(self, mrn: str = "BRIDGE-1") -> int:
        body = copy.deepcopy(WALK_IN)
        body["patient"]["mrn"] = mrn  # type: ignore[index]
        made = self.post("/api/v1/assessments", body, None, Role.nurse)
        assert made.status_code == 201, made.text
        return int(made.json()["encounter_id"])

    def readings_of(self, encounter: int) -> int:
        db = Database(self.folder / "clinic.db")
        try:
            return int(
                db.execute(
                    "SELECT count(*) FROM observations WHERE encounter_id = ?", [encounter]
                ).fetchone()[0]
            )
        finally:
            db.close()


@pytest.fixture(scope="module")
def bridge(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Bridge]:
    """One service for the module's tests (each started its own: a copy of the seeded log,
    create_app, uvicorn, its /openapi.json). They do not interfere: each test's patients
    (BRIDGE-1 ... BRIDGE-4), so its visits, and its keys are its own, and it counts readings and
    audit entries of its own visits only."""
    folder = tmp_path_factory.mktemp("bridge")
    tokens = copy_seeded(seeded, folder)
    with live_server(create_app(make_settings(folder))) as base:
        yield Bridge(base, folder, tokens)


def test_eight_concurrent_retries_with_one_key_store_the_readings_once(bridge: Bridge) -> None:
    encounter = bridge.visit()
    before = bridge.readings_of(encounter)
    path = f"/api/v1/encounters/{encounter}/observations"
    start = threading.Barrier(8)
    answers: list[httpx.Response] = []

    def retry() -> None:
        start.wait()
        answers.append(bridge.post(path, READINGS, "bridge-1-msg-0042"))

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 8, [a.text for a in answers]
    ids = {tuple(a.json()["ids"]) for a in answers}
    assert len(ids) == 1 and len(next(iter(ids))) == 2, ids
    assert bridge.readings_of(encounter) == before + 2
    db = Database(bridge.folder / "clinic.db")
    audited = db.execute(
        "SELECT count(*) FROM audit WHERE action = 'observations.create' AND entity_id = ?"
        " AND json_extract(data, '$.idempotency_key') = 'bridge-1-msg-0042'",
        [str(encounter)],
    ).fetchone()[0]
    assert audited == 1
    db.close()


def test_a_retry_is_answered_the_stored_ids_and_another_body_is_a_conflict(bridge: Bridge) -> None:
    encounter = bridge.visit("BRIDGE-3")
    path = f"/api/v1/encounters/{encounter}/observations"
    first = bridge.post(path, READINGS, '"obs-7"')  # the draft's quoted form and the bare one: one key
    assert first.status_code == 201, first.text
    again = bridge.post(path, READINGS, "obs-7")
    assert again.status_code == 201 and again.json() == first.json(), again.text
    stored = bridge.readings_of(encounter)
    other = bridge.post(path, [READINGS[0] | {"value": 38.9}], "obs-7")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict", other.text
    assert other.json()["error"].startswith(
        f'idempotency key "obs-7" was already used for different readings of encounter {encounter}'
    )
    elsewhere = bridge.visit("BRIDGE-2")
    moved = bridge.post(f"/api/v1/encounters/{elsewhere}/observations", READINGS, "obs-7")
    assert moved.status_code == 409 and moved.json()["code"] == "idempotency_conflict", moved.text
    assert f"readings of encounter {encounter};" in moved.json()["error"]
    assert bridge.readings_of(encounter) == stored and bridge.readings_of(elsewhere) == 3
    # without a key the same readings are a second measurement, stored again
    assert bridge.post(path, READINGS, None).status_code == 201
    assert bridge.readings_of(encounter) == stored + 2


def test_a_retry_after_the_visit_was_closed_is_answered_not_refused(bridge: Bridge) -> None:
    encounter = bridge.visit("BRIDGE-4")
    path = f"/api/v1/encounters/{encounter}/observations"
    first = bridge.post(path, READINGS, "late-1")
    closed = bridge.post(
        f"/api/v1/encounters/{encounter}/close",
        {"reason": "went home", "without_referral": True},
        None,
        Role.nurse,
    )
    assert closed.status_code == 200, closed.text
    again = bridge.post(path, READINGS, "late-1")
    assert again.status_code == 201 and again.json() == first.json(), again.text
    refused = bridge.post(path, READINGS, "late-2")  # new readings: the closed visit takes none
    assert refused.status_code == 409 and refused.json()["code"] != "idempotency_conflict", refused.text

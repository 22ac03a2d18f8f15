"""What an integrator's client meets when it is not alone or goes away (docs/service.md, "Two
clients at once, and a client that goes away"): two clients assessing one patient at once share one
visit, each assessment stored; the same keyed walk-in sent eight times at once is stored once and
answered the same record; a client that closes its connection after sending a walk-in leaves it
stored whole, and its retry with the key is answered that record; one that closes halfway through
the body leaves nothing. Real uvicorn on a real SQLite file, raw sockets for the clients that go
away; what is stored is read from the file. The module's tests share one service (:func:`clinic`)."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

WAIT_S = 60.0


def walk_in(mrn: str, spo2: int = 90) -> dict[str, Any]:
    return {
        "patient": {"mrn": mrn, "sex": "female"},
        "age_years": 60,
        "observations": [
            {"code": "spo2", "value": spo2, "unit": "%"},
            {"code": "resp_rate", "value": 22, "unit": "/min"},
        ],
    }


class Clinic:
    def __init__(self, base: str, tokens: dict[Role, str], db: Path) -> None:
        self.base, self.tokens, self.db = base, tokens, db

    def post(self, role: Role, body: dict[str, Any], key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} | ({"Idempotency-Key": key} if key else {})
        return httpx.post(
            f"{self.base}/api/v1/assessments", json=body, headers=headers, timeout=HTTP_TIMEOUT_S
        )

    def stored(self, mrn: str) -> tuple[int, int, int, int]:
        """Patients, visits, assessments and readings stored for ``mrn``."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as c:
            return c.execute(
                "SELECT (SELECT count(*) FROM patients WHERE mrn = :m),"
                " (SELECT count(*) FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = :m),"
                " (SELECT count(*) FROM assessments a JOIN encounters e ON e.id = a.encounter_id"
                "  JOIN patients p ON p.id = e.patient_id WHERE p.mrn = :m),"
                " (SELECT count(*) FROM observations o JOIN encounters e ON e.id = o.encounter_id"
                "  JOIN patients p ON p.id = e.patient_id WHERE p.mrn = :m)",
                {"m": mrn},
            ).fetchone()

    def gone_away(self, body: dict[str, Any], key: str, sent: Callable[[bytes], bytes]) -> None:
        """A client that sends the request with ``sent(body)`` of its body and closes the connection
        without reading an answer."""
        raw = json.dumps(body).encode()
        host, port = self.base.removeprefix("http://").split(":")
        head = (
            f"POST /api/v1/assessments HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {self.tokens[Role.nurse]}\r\nContent-Type: application/json\r\n"
            f"Idempotency-Key: {key}\r\nContent-Length: {len(raw)}\r\n\r\n"
        ).encode()
        with socket.create_connection((host, int(port))) as connection:
            connection.sendall(head + sent(raw))


@pytest.fixture(scope="module")
def clinic(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Clinic]:
    """One service for the module's four tests (each started its own: a copy of the seeded log,
    create_app, uvicorn). They do not interfere: each sends patients and keys of its own (TWO-1,
    SAME-1, AWAY-1, HALF-1) and counts what is stored for its patient; each waits for its own
    requests to end, so the newest assessment a test reads is its own."""
    tmp_path = tmp_path_factory.mktemp("at_once")
    tokens = copy_seeded(seeded, tmp_path)
    with live_server(create_app(make_settings(tmp_path))) as base:
        yield Clinic(base, tokens, tmp_path / "clinic.db")


def at_once(count: int, send: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    answers: list[httpx.Response | None] = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        answers[index] = send(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None]


def test_two_clients_assessing_one_patient_at_once_share_one_visit(clinic: Clinic) -> None:
    roles = (Role.nurse, Role.clinician)
    answers = at_once(2, lambda i: clinic.post(roles[i], walk_in("TWO-1", 88 + i), key=f"two-{i}"))
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert {a.json()["encounter_id"] for a in answers} == {answers[0].json()["encounter_id"]}
    assert sorted(a.json()["visit_already_open"] for a in answers) == [False, True]
    assert len({a.json()["id"] for a in answers}) == 2
    assert clinic.stored("TWO-1") == (1, 1, 2, 4)


def test_the_same_keyed_walk_in_eight_times_at_once_is_stored_once(clinic: Clinic) -> None:
    answers = at_once(8, lambda i: clinic.post(Role.nurse, walk_in("SAME-1"), key="same-key-1"))
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert clinic.stored("SAME-1") == (1, 1, 1, 2)


def test_a_client_that_goes_away_after_sending_finds_its_walk_in_stored_once(clinic: Clinic) -> None:
    clinic.gone_away(walk_in("AWAY-1"), "away-1", lambda raw: raw)
    deadline = time.monotonic() + WAIT_S
    while clinic.stored("AWAY-1")[2] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert clinic.stored("AWAY-1") == (1, 1, 1, 2)
    retry = clinic.post(Role.nurse, walk_in("AWAY-1"), key="away-1")
    assert retry.status_code == 201, retry.text
    assert clinic.stored("AWAY-1") == (1, 1, 1, 2)
    with sqlite3.connect(f"file:{clinic.db}?mode=ro", uri=True) as c:
        assert c.execute("SELECT id FROM assessments").fetchall()[-1][0] == retry.json()["id"]


def test_a_client_that_goes_away_halfway_through_the_body_leaves_nothing(clinic: Clinic) -> None:
    clinic.gone_away(walk_in("HALF-1"), "half-1", lambda raw: raw[: len(raw) // 2])
    # the retry, once the server has read the half it got: stored once, as if sent the first time
    retry = clinic.post(Role.nurse, walk_in("HALF-1"), key="half-1")
    assert retry.status_code == 201, retry.text
    assert clinic.stored("HALF-1") == (1, 1, 1, 2)

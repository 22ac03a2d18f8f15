"""One open visit a day per patient, whichever way it is opened: the walk-in page, the API's
walk-in (``POST /api/v1/assessments``) and ``POST /api/v1/encounters`` lead to the visit already
open instead of opening a second, also when nurses send them at the same moment.

The API used to open a second visit the same day for a patient already in one (the page did not),
and two walk-ins of one patient at the same instant could open two."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.service.conftest import PASSWORD, WALK_IN, Staff, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role


def _encounters(staff: Staff, mrn: str) -> list[int]:
    db = staff.app.state.runtime.databases.get()
    return [
        int(row[0])
        for row in db.conn.execute(
            "SELECT e.id FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = ? ORDER BY e.id",
            [mrn],
        )
    ]


def _walk_in(mrn: str, *, spo2: int, key: str | None = None) -> dict[str, Any]:
    body = copy.deepcopy(WALK_IN)
    body["patient"]["mrn"] = mrn
    body["observations"][0]["value"] = spo2
    if key is not None:
        body["idempotency_key"] = key
    return body


def test_opening_an_encounter_again_returns_the_visit_already_open(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    assert staff.client.post("/api/v1/patients", json={"mrn": "OV-1"}, headers=nurse).status_code == 201
    first = staff.client.post("/api/v1/encounters", json={"mrn": "OV-1", "age_years": 40}, headers=nurse)
    assert first.status_code == 201 and first.json()["already_open"] is False, first.text
    # another age is no longer dropped in silence (test_walk_in_age.py): refused, naming the field
    other = staff.client.post("/api/v1/encounters", json={"mrn": "OV-1", "age_years": 41}, headers=nurse)
    assert other.status_code == 422 and other.json()["error"].startswith("age_years: "), other.text
    again = staff.client.post("/api/v1/encounters", json={"mrn": "OV-1", "age_years": 40}, headers=nurse)
    assert again.status_code == 200, again.text
    assert again.json() == {**first.json(), "already_open": True}, "the same visit, unchanged"
    assert _encounters(staff, "OV-1") == [first.json()["id"]]
    closed = staff.client.post(
        f"/api/v1/encounters/{first.json()['id']}/close", json={"reason": "went home"}, headers=nurse
    )
    assert closed.status_code == 200, closed.text
    later = staff.client.post("/api/v1/encounters", json={"mrn": "OV-1"}, headers=nurse)
    assert later.status_code == 201 and later.json()["already_open"] is False, "after the close: a new visit"
    assert _encounters(staff, "OV-1") == [first.json()["id"], later.json()["id"]]


def test_an_api_walk_in_of_a_patient_in_a_visit_joins_that_visit(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    first = staff.client.post("/api/v1/assessments", json=_walk_in("OV-2", spo2=97), headers=nurse)
    assert first.status_code == 201 and first.json()["visit_already_open"] is False, first.text
    again = staff.client.post("/api/v1/assessments", json=_walk_in("OV-2", spo2=86, key="k-2"), headers=nurse)
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["visit_already_open"] is True and body["encounter_id"] == first.json()["encounter_id"]
    assert _encounters(staff, "OV-2") == [body["encounter_id"]], "no second visit"
    detail = staff.client.get(f"/api/v1/encounters/{body['encounter_id']}", headers=nurse).json()
    spo2 = [o["value_num"] for o in detail["observations"] if o["code"] == "spo2"]
    assert spo2 == [97, 86], "the readings of both walk-ins are in the one visit"
    assert detail["assessment"]["id"] == body["id"], "the visit assessed again"
    retried = staff.client.post(
        "/api/v1/assessments", json=_walk_in("OV-2", spo2=86, key="k-2"), headers=nurse
    )
    assert retried.status_code == 201 and retried.json() == body, "a retry answers as the first time"


def test_nurses_registering_one_patient_at_the_same_moment_open_one_visit(
    tmp_path: Path, seeded: Any
) -> None:
    """Page walk-ins, API walk-ins and API encounters for one patient, sent together from threads
    to a real server on a real SQLite file: one visit, and every answer leads to it."""
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    api = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    with live_server(app) as base:
        pages = []
        for _ in range(4):  # four nurses signed in at the desk, each with a session
            client = httpx.Client(base_url=base, timeout=60)
            login = client.post("/login", data={"username": "nurse", "password": PASSWORD})
            assert login.status_code in (200, 303), login.text
            session = app.state.runtime.sessions.get(client.cookies[SESSION_COOKIE])
            pages.append((client, str(session.csrf_token)))
        with httpx.Client(base_url=base, timeout=60) as client:
            made = client.post(
                "/api/v1/patients",
                json={"mrn": "OV-3", "name": "Synthetic Patient", "sex": "male"},
                headers=api,
            )
            assert made.status_code == 201, made.text
        senders: list[Callable[[], int]] = []
        for client, csrf in pages:
            # the age each sends is WALK_IN's: the same patient, the same details
            form = {
                "mrn": "OV-3",
                "name": "Synthetic Patient",
                "sex": "male",
                "age_years": "70",
                "csrf_token": csrf,
            }
            senders.append(
                lambda c=client, f=form: int(
                    c.post("/walk-ins", data=f, follow_redirects=False).headers["location"].rsplit("/", 1)[1]
                )
            )
        for i in range(4):
            senders.append(
                lambda i=i: int(
                    httpx.post(
                        f"{base}/api/v1/assessments",
                        json=_walk_in("OV-3", spo2=90 + i),
                        headers=api,
                        timeout=60,
                    ).json()["encounter_id"]
                )
            )
            senders.append(
                lambda: int(
                    httpx.post(
                        f"{base}/api/v1/encounters",
                        json={"mrn": "OV-3", "age_years": 70},
                        headers=api,
                        timeout=60,
                    ).json()["id"]
                )
            )
        start = threading.Barrier(len(senders))
        answers: list[int] = []

        def send(sender: Callable[[], int]) -> None:
            start.wait()
            answers.append(sender())

        threads = [threading.Thread(target=send, args=(s,)) for s in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        for client, _ in pages:
            client.close()
        db = app.state.runtime.databases.get()
        visits = [int(r[0]) for r in db.conn.execute("SELECT id FROM encounters")]
    assert len(visits) == 1, f"one visit, not {len(visits)}"
    assert answers == [visits[0]] * len(senders), "every nurse was led to it"

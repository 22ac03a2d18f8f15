"""A held device result's assign or dismiss sent again through the API by the same client - the
same encounter and reason, its first request recorded and its answer lost (a timeout) - is answered
as the first was: 201 with the same observation, assessment and referral for an assign, 200 with
the review for a dismiss; nothing is stored twice. The devices page has answered its own form
pressed again so ("done") since an earlier session, while the API answered that retry 409, as it
answers another user's review, so a client had to read the 409's ``context`` to tell its own
assignment from a colleague's. Another user's review, or the same user's with another encounter or
reason, is still the 409 ``conflict`` whose ``context`` says what was done - ``state``,
``encounter_id``, ``observation_id`` and ``reason`` beside ``user`` and ``reviewed_at``. Real
uvicorn on a real SQLite file; the held results stored as the gateway stores them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from referral import review
from referral.transactions import write
from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, Staff, copy_seeded, live_server, make_settings
from tests.service.test_held_results import lab_message, lab_result, open_encounter
from triage.service import create_app
from triage.service.auth import Role
from triage.service.pipeline import observation_from_stored


class _Service:
    def __init__(self, app: object) -> None:
        self.app = app


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_the_same_assign_or_dismiss_again_is_answered_as_the_first_and_another_is_409(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    settings = make_settings(tmp_path)
    app = create_app(settings)
    db = Path(settings.database.path)
    with (
        live_server(app) as base,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {tokens[Role.nurse]}"}, timeout=HTTP_TIMEOUT_S
        ) as c,
        httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {tokens[Role.clinician]}"},
            timeout=HTTP_TIMEOUT_S,
        ) as colleague,
    ):
        glucose, other = lab_message(
            _Service(app),  # type: ignore[arg-type]
            lab_result("GLU", code="glucose_random", sample="R1"),
            lab_result("GLU", code="glucose_random", sample="R2"),
        )
        visit = c.post("/api/v1/assessments", json=WALK_IN).json()["encounter_id"]
        sent = {"encounter_id": visit, "reason": "label torn"}
        first = c.post(f"/api/v1/devices/results/{glucose}/assign", json=sent)
        assert first.status_code == 201, first.text
        written = _count(db, "SELECT count(*) FROM audit")

        again = c.post(f"/api/v1/devices/results/{glucose}/assign", json=sent)
        assert again.status_code == 201, again.text
        assert again.json() == first.json()
        assert _count(db, "SELECT count(*) FROM audit") == written, "nothing stored again"

        # the same client with another reason, and a colleague with the same body: 409 saying what was done
        for client, body in ((c, {**sent, "reason": "wrong label"}), (colleague, sent)):
            refused = client.post(f"/api/v1/devices/results/{glucose}/assign", json=body)
            assert refused.status_code == 409 and refused.json()["code"] == "conflict", refused.text
            context = refused.json()["context"]
            assert context["state"] == "assigned" and context["encounter_id"] == visit, context
            assert context["observation_id"] == first.json()["observation_id"], context
            assert context["user"] == "nurse" and context["reason"] == "label torn", context

        dismissed = c.post(f"/api/v1/devices/results/{other}/dismiss", json={"reason": "test strip"})
        assert dismissed.status_code == 200, dismissed.text
        written = _count(db, "SELECT count(*) FROM audit")
        again = c.post(f"/api/v1/devices/results/{other}/dismiss", json={"reason": "  test strip "})
        assert again.status_code == 200 and again.json() == dismissed.json(), again.text
        assert _count(db, "SELECT count(*) FROM audit") == written, "nothing stored again"
        refused = colleague.post(f"/api/v1/devices/results/{other}/dismiss", json={"reason": "test strip"})
        assert refused.status_code == 409, refused.text
        context = refused.json()["context"]
        assert context["state"] == "dismissed" and context["encounter_id"] is None, context
        assert context["observation_id"] is None and context["reason"] == "test strip", context
        assert context["user"] == "nurse", context
        readings = c.get(f"/api/v1/encounters/{visit}").json()["observations"]
        assert [r["code"] for r in readings].count("glucose_random") == 1, readings


def test_a_retry_after_a_first_request_that_ended_before_assessing_assesses_now(staff: Staff) -> None:
    """The first request stored the review and the reading (one transaction) and ended before the
    encounter was assessed (the process stopped): its retry is answered with an assessment made
    now - it was a 409, and the visit stayed unassessed with the reading."""
    (glucose,) = lab_message(staff, lab_result("GLU", code="glucose_random", sample="R1"))
    visit = open_encounter(staff, "RETRY-1")
    rt = staff.app.state.runtime
    db = rt.databases.get()
    clinic = rt.extras["clinic"]

    def first_write(db: Any) -> None:  # triage.service.held.assign's transaction, alone
        result = review.assign(db, glucose, visit, actor="nurse", reason="label torn")
        observation = observation_from_stored(result, clinic.clock)
        (observation_id,) = clinic.add_observations(db, visit, [observation], actor="nurse", reason="held")
        review.set_observation(db, glucose, observation_id, actor="nurse")

    write(db, first_write)
    assert db.conn.execute("SELECT count(*) FROM assessments WHERE encounter_id = ?", [visit]).fetchone() == (
        0,
    )
    again = staff.client.post(
        f"/api/v1/devices/results/{glucose}/assign",
        json={"encounter_id": visit, "reason": "label torn"},
        headers=staff.bearer(Role.nurse),
    )
    assert again.status_code == 201, again.text
    (made,) = db.conn.execute("SELECT id FROM assessments WHERE encounter_id = ?", [visit]).fetchall()
    assert again.json()["assessment_id"] == made[0]

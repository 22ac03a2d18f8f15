"""A held device result's assign or dismiss sent again through the API (a client's retry after its
first request timed out, the first recorded) is the 409 ``conflict`` "already assigned to encounter
12 by nurse", and its ``context`` now says what was done - ``state``, ``encounter_id``,
``observation_id`` and ``reason`` beside ``user`` and ``reviewed_at`` - so the client tells its own
assignment that went through from a colleague's without parsing the sentence (the context had the
user and the time only). Nothing is stored twice. Real uvicorn on a real SQLite file; the held
results stored as the gateway stores them."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.test_held_results import lab_message, lab_result
from triage.service import create_app
from triage.service.auth import Role


class _Service:
    def __init__(self, app: object) -> None:
        self.app = app


def test_a_retried_assign_or_dismiss_says_in_its_context_what_was_done(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    with (
        live_server(app) as base,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {tokens[Role.nurse]}"}, timeout=HTTP_TIMEOUT_S
        ) as c,
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
        again = c.post(f"/api/v1/devices/results/{glucose}/assign", json=sent)
        assert again.status_code == 409 and again.json()["code"] == "conflict", again.text
        context = again.json()["context"]
        assert context["state"] == "assigned" and context["encounter_id"] == visit, context
        assert context["observation_id"] == first.json()["observation_id"], context
        assert context["user"] == "nurse" and context["reason"] == "label torn", context

        assert (
            c.post(f"/api/v1/devices/results/{other}/dismiss", json={"reason": "test strip"}).status_code
            == 200
        )
        dismissed = c.post(f"/api/v1/devices/results/{other}/dismiss", json={"reason": "test strip"})
        assert dismissed.status_code == 409, dismissed.text
        context = dismissed.json()["context"]
        assert context["state"] == "dismissed" and context["encounter_id"] is None, context
        assert context["observation_id"] is None and context["reason"] == "test strip", context
        readings = c.get(f"/api/v1/encounters/{visit}").json()["observations"]
        assert [r["code"] for r in readings].count("glucose_random") == 1, readings

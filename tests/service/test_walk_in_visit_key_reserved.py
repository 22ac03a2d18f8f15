"""The visit a walk-in opens is keyed with the walk-in's key plus ``:encounter``
(``referral.records.WALK_IN_ENCOUNTER_KEY``), and keys are the account's own: the same account's
``POST /api/v1/encounters`` with the literal key ``K:encounter`` was answered the visit of its
walk-in keyed ``K`` - a replay of a request it never sent - instead of a visit of its own (and a
client's encounter keyed so first would have been taken by that walk-in as the visit it opened).
A client's encounter key ending in ``:encounter`` is refused now, in the body or the header, so
the derived key is the walk-in's alone; the keys a log already holds are unchanged, so a walk-in
stored before still replays (a new service on the same file). Real uvicorn, real SQLite."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from referral.records import WALK_IN_ENCOUNTER_KEY
from tests.service.conftest import WALK_IN, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role


@pytest.fixture
def tokens(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> dict[Role, str]:
    """The seeded log copied into ``tmp_path``: the roles' API tokens."""
    return copy_seeded(seeded, tmp_path)


@contextmanager
def _nurse(folder: Path, tokens: dict[Role, str]) -> Iterator[httpx.Client]:
    """The nurse's API client on a real server over the log in ``folder``."""
    app = create_app(make_settings(folder))
    with live_server(app) as base:
        headers = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            yield client


def _walk_in(client: httpx.Client, mrn: str, key: str) -> dict[str, Any]:
    body = copy.deepcopy(WALK_IN) | {"idempotency_key": key}
    body["patient"]["mrn"] = mrn
    made = client.post("/api/v1/assessments", json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_an_encounter_keyed_as_a_walk_in_s_visit_is_refused_not_that_visit(
    tmp_path: Path, tokens: dict[Role, str]
) -> None:
    with _nurse(tmp_path, tokens) as client:
        walk_in = _walk_in(client, "KEYED-1", "K")
        literal = f"K{WALK_IN_ENCOUNTER_KEY}"
        for sent, named in (
            ({"json": {"mrn": "KEYED-1", "idempotency_key": literal}}, "idempotency_key: "),
            (
                {"json": {"mrn": "KEYED-1"}, "headers": {"Idempotency-Key": literal}},
                "header.Idempotency-Key: ",
            ),
        ):
            answer = client.post("/api/v1/encounters", **sent)  # type: ignore[arg-type]
            assert answer.status_code == 422, (
                f"answered the walk-in's visit {walk_in['encounter_id']}: {answer.text}"
            )
            said = answer.json()["error"]
            assert said.startswith(named) and WALK_IN_ENCOUNTER_KEY in said, said
        # another key is the client's own request, as before (the visit open today, here the walk-in's)
        own = client.post("/api/v1/encounters", json={"mrn": "KEYED-1", "idempotency_key": "K:visit"})
        assert own.status_code == 200 and own.json()["already_open"] is True, own.text


def test_a_walk_in_stored_before_replays_its_visit_on_a_new_service(
    tmp_path: Path, tokens: dict[Role, str]
) -> None:
    with _nurse(tmp_path, tokens) as client:
        first = _walk_in(client, "KEYED-2", "old-key")
    with _nurse(tmp_path, tokens) as client:  # the log as it was written, read by a new service
        again = _walk_in(client, "KEYED-2", "old-key")
        assert again["id"] == first["id"] and again["encounter_id"] == first["encounter_id"], again
        assert again["visit_already_open"] is False, "the walk-in opened its visit, and says so again"
    with closing(sqlite3.connect(tmp_path / "clinic.db")) as db:  # the key the log holds, as before
        (stored,) = db.execute("SELECT idempotency_key FROM encounters WHERE id = ?", [first["encounter_id"]])
    assert stored == (f"old-key{WALK_IN_ENCOUNTER_KEY}",), stored

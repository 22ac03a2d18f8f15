"""A 503 answer says when to try again (``Retry-After``, RFC 9110 10.2.3), as retrying HTTP clients
read it: it had none, so a client retried at once or at its own guess. The service is real - a real
SQLite file, the app's own startup (or the lack of it) and another connection holding the lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.conftest import WALK_IN, Staff, copy_seeded
from triage.service import create_app
from triage.service.api.deps import committer
from triage.service.auth import Role
from triage.settings import load_settings


def _walk_in(mrn: str) -> dict[str, object]:
    return {**WALK_IN, "patient": {"mrn": mrn, "name": "Synthetic Patient", "sex": "female"}}


def test_every_503_the_document_lists_declares_retry_after(staff: Staff) -> None:
    document = staff.client.get("/openapi.json").json()
    unavailable = [
        (path, method, response)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status == "503"
    ]
    assert any(path == "/readyz" for path, _, _ in unavailable)
    assert any(path == "/api/v1/assessments" for path, _, _ in unavailable)
    undeclared = [
        f"{method.upper()} {path}"
        for path, method, response in unavailable
        if response.get("headers", {}).get("Retry-After", {}).get("schema")
        != {"type": "integer", "minimum": 1}
    ]
    assert undeclared == [], undeclared


def test_while_the_engine_is_loading_the_api_and_readyz_say_when_to_retry(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """The app before its startup has run: the triage engine is not loaded yet."""
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(load_settings(None, data_dir=tmp_path, database={"path": tmp_path / "clinic.db"}))
    client = TestClient(app)  # not entered: the lifespan (loading policy and models) has not run
    nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    refused = client.post("/api/v1/assessments", json=_walk_in("LOAD-1"), headers=nurse)
    assert (refused.status_code, refused.json()["code"]) == (503, "dependency_missing"), refused.text
    assert refused.headers["Retry-After"] == "5"
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["ready"], ready.headers["Retry-After"]) == (503, False, "5")


def test_a_log_locked_by_another_writer_answers_503_retry_after_1(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    path = tmp_path / "clinic.db"
    settings = load_settings(None, data_dir=tmp_path, database={"path": path, "busy_timeout_ms": 200})
    nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    with TestClient(create_app(settings)) as client:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another program writes the log and keeps its lock
            refused = client.post("/api/v1/assessments", json=_walk_in("BUSY-1"), headers=nurse)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert (refused.status_code, refused.json()["code"]) == (503, "database_busy"), refused.text
        assert refused.headers["Retry-After"] == "1"
        stored = client.post("/api/v1/assessments", json=_walk_in("BUSY-1"), headers=nurse)
        assert stored.status_code == 201 and "Retry-After" not in stored.headers, stored.text


def test_a_full_log_answers_503_retry_after_a_minute(staff: Staff) -> None:
    conn = committer(staff.app.state.runtime)._db.conn  # type: ignore[union-attr]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: no page can be added
    try:
        refused = staff.client.post(
            "/api/v1/assessments", json=_walk_in("FULL-1"), headers=staff.bearer(Role.nurse)
        )
    finally:
        conn.execute("PRAGMA max_page_count = 1073741823")
    assert (refused.status_code, refused.json()["code"]) == (503, "storage_error"), refused.text
    assert refused.headers["Retry-After"] == "60"

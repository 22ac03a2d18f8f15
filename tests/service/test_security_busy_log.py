"""Noting that a session or an API token was used is bookkeeping: while another writer holds the
referral log (a backup, an import, a long transaction of another process) it is left for a later
request instead of failing this one 503 ``database_busy`` - a nurse's page or a device bridge's
reading refused because the service wanted to write down when they were last seen. Real uvicorn,
a real SQLite file locked by another connection."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.service.conftest import (
    HTTP_TIMEOUT_S,
    PASSWORD,
    clock_kept,
    copy_seeded,
    live_server,
    start_up_written,
)
from triage.service import create_app
from triage.service.auth import Role
from triage.settings import load_settings


@contextmanager
def log_held(path: Path) -> Iterator[None]:
    """Another writer holds the log's write lock meanwhile."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_token_and_a_session_are_answered_while_another_writer_holds_the_log(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    settings = load_settings(
        None,
        data_dir=tmp_path,
        database={"path": tmp_path / "clinic.db", "busy_timeout_ms": 0},
        service={"default_language": "en"},
    )
    kept = clock_kept(tmp_path / "clinic.db")
    app = create_app(settings)
    with live_server(app) as base, httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as nurse:
        # the service's own start-up write done: with no busy timeout the sign-in does not wait for
        # the lock either, and was refused 503 database_busy while that write held it
        start_up_written(tmp_path / "clinic.db", kept)
        assert nurse.post("/login", data={"username": "nurse", "password": PASSWORD}).status_code == 303
        sessions = app.state.runtime.sessions
        sessions.clock = lambda: time.time() + 120  # two minutes on: the session's use is due a note
        with log_held(tmp_path / "clinic.db"):
            bridge = httpx.get(
                f"{base}/api/v1/devices",
                headers={"Authorization": f"Bearer {tokens[Role.integrator]}"},
                timeout=HTTP_TIMEOUT_S,
            )
            page = nurse.get("/queue", follow_redirects=False)
    assert bridge.status_code == 200, bridge.text
    assert page.status_code == 200, page.text[:500]

"""A walk-in makes SQLite create no temporary file: a real ``triage serve`` whose SQLite temporary
folder (``SQLITE_TMPDIR``) is a new empty folder. SQLite creates such a file and unlinks it at once
(``/var/tmp/etilqs_*``), so the folder's modification time is what shows it: it is set to the epoch
before the walk-ins and must still be so after them.

Without ``temp_store=MEMORY`` (``referral.schema.connect``) every walk-in spilled its savepoints'
sub-journal (past 64 KiB) to such a file: a create, an unlink, writes and a close per walk-in."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.service.test_storage_failures import _mrns, _walk_in, serving


def test_walk_ins_create_no_sqlite_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "sqlite-tmp"
    scratch.mkdir()
    monkeypatch.setenv("SQLITE_TMPDIR", str(scratch))  # read by SQLite when the service starts
    with serving(tmp_path / "clinic.db", tmp_path, "en") as served:
        api = {"Authorization": f"Bearer {served.token}"}
        with httpx.Client(base_url=served.base, timeout=20) as client:
            os.utime(scratch, (0, 0))
            for n in range(3):
                answer = client.post("/api/v1/assessments", json=_walk_in(f"TMP-{n}"), headers=api)
                assert answer.status_code == 201, answer.text
            touched = scratch.stat().st_mtime
    assert _mrns(served.db_path) == ["TMP-0", "TMP-1", "TMP-2"]
    assert touched == 0, f"SQLite created a temporary file in {scratch} during the walk-ins"
    assert list(scratch.iterdir()) == []

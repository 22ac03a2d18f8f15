"""A new referral log is its owner's alone (0600), and so are the -wal and -shm SQLite writes beside
it: SQLite created the file with the process's umask - 0644 under the usual 022 -, so every account
on the clinic's machine could read every patient in it (docs/service.md's threat model: "keep them
0600"), nor was a backup's copy while it was written. A log that exists keeps the mode its
administrator gave it. Real `triage referrals migrate` and `backup`, real SQLite."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from referral.schema import connect
from tests.referral.test_storage import killed_at_fsync
from tests.service.test_serve_startup import TRIAGE, environment


@pytest.fixture
def usual_umask() -> Iterator[None]:
    was = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(was)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_log_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path, usual_umask: None) -> None:
    made = subprocess.run(
        [TRIAGE, "referrals", "migrate", "--db", str(tmp_path / "clinic.db")],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment(),
    )
    assert made.returncode == 0, made.stderr
    assert _mode(tmp_path / "clinic.db") == 0o600

    db = connect(tmp_path / "other.db")  # as the service opens it: its -wal and -shm while open
    try:
        db.conn.execute("CREATE TABLE t (x)")
        db.conn.commit()
        modes = {p.name: _mode(p) for p in tmp_path.glob("other.db*")}
        assert modes == {"other.db": 0o600, "other.db-wal": 0o600, "other.db-shm": 0o600}, modes
    finally:
        db.close()


def test_a_log_that_exists_keeps_its_mode(tmp_path: Path, usual_umask: None) -> None:
    connect(tmp_path / "clinic.db").close()
    os.chmod(tmp_path / "clinic.db", 0o640)  # the administrator's choice (a backup group reads it)
    connect(tmp_path / "clinic.db").close()
    assert _mode(tmp_path / "clinic.db") == 0o640


def test_the_copy_a_killed_backup_left_is_its_owner_s_only(tmp_path: Path, usual_umask: None) -> None:
    """A backup's copy is written as ``<out>.partial`` and takes the log's mode before its rename:
    while it was written - and for good when the backup was killed (a reboot, an OOM kill) - SQLite
    had made it with the umask, 0644: a whole copy of the log every account could read."""
    log = tmp_path / "clinic.db"
    connect(log).close()
    out = tmp_path / "b.db"
    killed_at_fsync(["referrals", "backup", "--db", str(log), "--out", str(out)])
    left = out.with_name("b.db.partial")
    assert left.exists() and _mode(left) == 0o600, oct(_mode(left))


def test_an_in_memory_log_leaves_no_file_named_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """':memory:' is SQLite's in-memory database, not a file name: opening it made an empty file
    called ':memory:' in the working folder (found in the checkout after a test run)."""
    monkeypatch.chdir(tmp_path)
    db = connect(":memory:")
    try:
        db.execute("select 1").fetchone()
    finally:
        db.close()
    assert list(tmp_path.iterdir()) == []

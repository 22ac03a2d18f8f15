"""An upgrade sorts on disk: the index a migration builds on a large log (``0018_audit_entity_index``
on the audit trail) is sorted through SQLite's temporary files, as before ``temp_store=MEMORY``
(``referral.schema.connect``, for the walk-ins), not all in memory, growing with the log. A real ``triage referrals
migrate`` of a log at schema 17 with 200,000 (SYNTHETIC) audit entries, its ``SQLITE_TMPDIR`` a new
folder whose modification time shows whether SQLite created a file there (it unlinks it at once)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from referral.migrations import MIGRATIONS
from referral.schema import applied_migrations, connect
from tests.service.test_workers import TRIAGE

from .test_audit_rows_upgrade import _log_0017

MANY_ENTRIES = """
INSERT INTO audit (at, actor, action, entity, entity_id, reason, data, prev_hash, hash)
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200000)
SELECT '2026-01-01T00:00:00.000+00:00', 'synthetic-load', 'patient.create', 'patient', 'synthetic-' || x,
       'SYNTHETIC entry, a large trail', '{}', '', '' FROM n
"""


def test_an_upgrade_sorts_a_large_logs_new_index_on_disk(tmp_path: Path) -> None:
    log = _log_0017(tmp_path / "log", MANY_ENTRIES)
    scratch = tmp_path / "sqlite-tmp"
    scratch.mkdir()
    os.utime(scratch, (0, 0))
    done = subprocess.run(
        [TRIAGE, "referrals", "migrate", "--db", str(log)],
        env={**os.environ, "SQLITE_TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "0018_audit_entity_index" in done.stdout, done.stdout
    assert scratch.stat().st_mtime != 0, "the new index was sorted in memory, not through a temporary file"
    db = connect(_log_0017(tmp_path / "second"))  # upgraded in-process: the writes keep MEMORY
    try:
        assert applied_migrations(db)[-1] == MIGRATIONS._migrations[-1].name
        assert db.conn.execute("PRAGMA temp_store").fetchone()[0] == 2
    finally:
        db.close()

"""A regional report given clinic logs that hold no pseudonym secret, on real SQLite files.

The log is exported read-only into a temporary folder; the export used to create a missing secret
through that read-only connection, so a new clinic's log (no patient yet: the first one creates
the secret) was rejected as "read-only (the file, its folder or the filesystem)". It has nothing
to pseudonymise and is never written; a log whose secret was deleted while it holds encounters is
rejected saying so.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from analytics.reports.errors import ReportInputError
from analytics.reports.pooling import pool
from referral.clinic import SECRET_KEY
from referral.schema import connect
from tests.analytics.reports.conftest import clinic_log


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _secrets(path: Path) -> int:
    db = connect(path, migrate=False)
    try:
        return int(db.conn.execute("SELECT count(*) FROM settings WHERE key = ?", [SECRET_KEY]).fetchone()[0])
    finally:
        db.close()


def test_a_new_clinic_log_is_read_not_written_and_not_called_read_only(tmp_path: Path) -> None:
    new = clinic_log(tmp_path / "new" / "clinic.db", 0)
    busy = clinic_log(tmp_path / "busy" / "clinic.db", 6)
    before = _sha(new)
    pooled = pool([new, busy], tmp_path / "work")
    assert pooled.rows_pooled == 6
    assert _sha(new) == before and _secrets(new) == 0
    assert not [r for r in pooled.rejections if "read-only" in r.reason], pooled.rejections


def test_a_log_that_lost_its_secret_is_rejected_saying_so(tmp_path: Path) -> None:
    log = clinic_log(tmp_path / "clinic.db", 6)
    db = connect(log)
    db.conn.execute("DELETE FROM settings WHERE key = ?", [SECRET_KEY])  # behind the application's back
    db.conn.commit()
    db.close()
    before = _sha(log)
    with pytest.raises(ReportInputError) as refused:
        pool([log], tmp_path / "work")
    assert (
        f"{log}: cannot export this referral log: the referral log {log} holds 6 assessed"
        " encounters but no pseudonym secret (settings key 'pseudonym_secret')"
    ) in str(refused.value)
    assert _sha(log) == before and _secrets(log) == 0


def test_what_the_export_of_a_log_refuses_names_the_log_not_a_temporary_file(tmp_path: Path) -> None:
    """A new clinic's log exports no encounters; that refusal named the temporary
    ``.../export-*/encounters.parquet`` the user never gave."""
    new = clinic_log(tmp_path / "new" / "clinic.db", 0)
    busy = clinic_log(tmp_path / "busy" / "clinic.db", 6)
    pooled = pool([new, busy], tmp_path / "work")
    refused = [r for r in pooled.rejections if r.table == "encounters"]
    assert refused and {r.source for r in refused} == {f"{new} (exported)"}, refused

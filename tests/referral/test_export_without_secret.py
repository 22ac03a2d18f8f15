"""The analytics export of a log that holds no pseudonym secret, on real SQLite files.

The export opens the log read-only, yet it used to create the missing secret through that
connection: ``triage referrals export --format analytics`` of a new clinic's log (facilities
loaded, no patient yet - the first patient creates the secret) failed saying the log "is
read-only (the file, its folder or the filesystem)", which it was not. Such a log has nothing to
pseudonymise and exports empty, unchanged; one whose secret was deleted while it holds encounters
is refused in one line that says so, never with a new secret (other record ids than before).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from referral import facilities
from referral.clinic import SECRET_KEY
from referral.schema import connect
from triage.cli import main

from .conftest import visit


def _state(log: Path) -> str:
    """The log file's bytes (a reader leaves an empty ``-wal`` and its ``-shm`` beside it)."""
    return hashlib.sha256(log.read_bytes()).hexdigest()


def _new_clinic_log(path: Path) -> Path:
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    db.close()
    return path


def test_a_log_without_patients_exports_empty_and_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _new_clinic_log(tmp_path / "clinic" / "clinic.db")
    before = _state(log)
    out = tmp_path / "export"
    code = main(
        ["referrals", "export", "--format", "analytics", "--out", str(out), "--db", str(log), "--json"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["encounters"]["rows"] == 0
    assert manifest["tables"]["facilities"]["rows"] > 0
    assert _state(log) == before
    db = connect(log, migrate=False)
    assert db.conn.execute("SELECT count(*) FROM settings WHERE key = ?", [SECRET_KEY]).fetchone()[0] == 0
    db.close()


def test_a_log_that_lost_its_secret_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _new_clinic_log(tmp_path / "clinic" / "clinic.db")
    db = connect(log)
    visit(db)
    db.conn.execute("DELETE FROM settings WHERE key = ?", [SECRET_KEY])  # behind the application's back
    db.conn.commit()
    db.close()
    before = _state(log)
    code = main(
        ["referrals", "export", "--format", "analytics", "--out", str(tmp_path / "x"), "--db", str(log)]
    )
    err = capsys.readouterr().err
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0] == (
        f"error: the referral log {log} holds 1 assessed encounter but no pseudonym secret"
        " (settings key 'pseudonym_secret'), so their record ids cannot be made and nothing was"
        f" exported; `triage referrals verify-audit --db {log}` shows what was changed - restore the"
        " log from a backup (a new secret would give these encounters other record ids than earlier"
        " exports did)"
    )
    assert _state(log) == before
    assert not (tmp_path / "x" / "manifest.json").exists()

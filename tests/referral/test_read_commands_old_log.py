"""Reading commands never upgrade a log from an older version: trying a new version with `list`
migrated the clinic's log for good (the previous version then refused it as too new). They refuse
it in one line, exit 2, the file byte for byte as it was; verify-audit and backup read it as it
is, and `migrate` still upgrades it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from referral.migrations import MIGRATIONS
from referral.schema import applied_migrations, connect
from triage.cli import main

from .test_audit_rows_upgrade import _log_0017

READING = [
    ["referrals", "list"],
    ["referrals", "show", "1"],
    ["referrals", "basis-changes"],
    ["referrals", "stats"],
    ["referrals", "queue", "--day", "2026-12-05"],
    ["referrals", "facilities", "list"],
    ["referrals", "export", "--format", "csv", "--out", "OUT/referrals.csv"],
    ["referrals", "export", "--format", "analytics", "--out", "OUT/analytics"],
    ["devices", "associations", "list"],
]


def _state(folder: Path) -> dict[str, str]:
    """Every file in the log's folder (the log, any -wal or -shm) and its sha256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("command", READING, ids=[" ".join(c[:4]) for c in READING])
def test_a_reading_command_refuses_an_older_log_and_leaves_it_byte_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    log = _log_0017(tmp_path / "log")
    out = tmp_path / "out"
    out.mkdir()
    before = _state(log.parent)
    args = [a.replace("OUT", str(out)) for a in command]
    code = main([*args, "--db", str(log)])
    _, err = capsys.readouterr()
    assert _state(log.parent) == before
    assert list(out.iterdir()) == []
    newest = MIGRATIONS._migrations[-1].name
    assert code == 2 and err == (
        f"error: the referral log {log.resolve()} is at schema 17 (0017_meter_operator_lists);"
        f" this version needs {len(MIGRATIONS._migrations)} ({newest}); nothing was changed - back"
        f" it up (`triage referrals backup --db {log} --out FILE`) and run"
        f" `triage referrals migrate --db {log}`\n"
    )


def test_verify_audit_and_backup_read_it_as_it_is_and_migrate_upgrades_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log_0017(tmp_path / "log")
    before = _state(log.parent)
    assert main(["referrals", "verify-audit", "--db", str(log)]) == 0
    assert main(["referrals", "backup", "--db", str(log), "--out", str(tmp_path / "b.db")]) == 0
    assert _state(log.parent) == before
    assert main(["referrals", "migrate", "--db", str(log)]) == 0
    db = connect(log, migrate=False)
    assert applied_migrations(db) == [m.name for m in MIGRATIONS._migrations]
    db.close()
    capsys.readouterr()
    assert main(["referrals", "list", "--db", str(log)]) == 0
    assert "ZJ-" in capsys.readouterr().out

"""A schema upgrade is recorded in the upgraded log's own audit trail (``log.upgrade``): from which
schema to which, when, by whom and the backup taken first - and ``verify-audit`` shows it. The trail
went on across an upgrade without a word of it. Real `triage referrals migrate` and `verify-audit`
subprocesses on a real SQLite log at schema 17 (``data/log_0017.sql``)."""

from __future__ import annotations

import getpass
import json
import subprocess
from pathlib import Path

from referral.migrations import MIGRATIONS
from referral.schema import connect
from referral.upgrade_record import recorded_upgrades
from tests.referral.test_log_access import TRIAGE

from .test_audit_rows_upgrade import _log_0017

NEWEST = len(MIGRATIONS._migrations)


def triage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRIAGE, "referrals", *args], capture_output=True, text=True, timeout=120)


def test_migrate_records_the_upgrade_and_verify_audit_shows_it(tmp_path: Path) -> None:
    log = _log_0017(tmp_path)
    migrated = triage("migrate", "--db", str(log), "--json")
    assert migrated.returncode == 0, migrated.stderr
    backup = json.loads(migrated.stdout)["backup"]
    assert backup and Path(backup).is_file()

    shown = triage("verify-audit", "--db", str(log), "--json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    [upgrade] = json.loads(shown.stdout)["upgrades"]
    assert upgrade["actor"] == f"cli:{getpass.getuser()}" and upgrade["at"]
    assert (upgrade["from_schema"], upgrade["from_migration"]) == (17, "0017_meter_operator_lists")
    assert (upgrade["to_schema"], upgrade["to_migration"]) == (NEWEST, MIGRATIONS._migrations[-1].name)
    assert upgrade["applied"] == [m.name for m in MIGRATIONS._migrations[17:]]
    assert upgrade["backup"] == backup and upgrade["backup_head"].count(":") == 1
    # the backup is the log as it was: the upgrade is not in it
    assert json.loads(triage("verify-audit", "--db", backup, "--json").stdout)["upgrades"] == []

    text = triage("verify-audit", "--db", str(log))
    assert text.returncode == 0, text.stderr
    said = text.stdout.splitlines()
    assert (
        f"schema upgrades recorded: entry {upgrade['seq']} at {upgrade['at']}: schema 17 to {NEWEST}"
        in said[1]
    )
    assert f"backup taken first: {backup}" in said[1]


def test_an_upgrade_on_opening_is_recorded_once_and_a_new_log_records_none(tmp_path: Path) -> None:
    """The service and the gateways upgrade as they open the log (``connect``): recorded by
    ``clinic-triage``; opening it again records nothing; creating a new log is no upgrade."""
    log = _log_0017(tmp_path / "old")
    for _ in range(2):
        db = connect(log)
        [upgrade] = recorded_upgrades(db)
        db.close()
    assert upgrade["actor"] == "clinic-triage" and upgrade["from_schema"] == 17
    new = connect(tmp_path / "new.db")
    assert recorded_upgrades(new) == []
    new.close()


def test_a_restore_of_an_older_backup_records_its_upgrade_with_no_backup_taken(tmp_path: Path) -> None:
    """`restore --from OLD` upgrades the restored log without a second copy: the entry says so
    (``backup`` null), ahead of the restore's own entry."""
    old = _log_0017(tmp_path / "old")
    log = tmp_path / "clinic.db"
    restored = triage("restore", "--from", str(old), "--db", str(log), "--json")
    assert restored.returncode == 0, restored.stderr
    shown = triage("verify-audit", "--db", str(log), "--json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    [upgrade] = json.loads(shown.stdout)["upgrades"]
    assert (upgrade["from_schema"], upgrade["to_schema"]) == (17, NEWEST)
    assert upgrade["backup"] is None and upgrade["backup_head"] is None
    assert upgrade["seq"] + 1 == json.loads(restored.stdout)["audit_entry"]  # then the restore
    text = triage("verify-audit", "--db", str(log)).stdout
    assert f"schema 17 to {NEWEST} by cli:{getpass.getuser()}, no backup taken first" in text

"""Logs written by earlier versions (the dumps in tests/referral/data) are checked as they are,
upgraded, and then matched to their trail by `triage referrals verify-audit`, which names an
edited table and row."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import associations, audit, facilities
from referral.audit_rows import DEVICE_RECORDED_FROM, RowsReport, verify_rows
from referral.migrations import MIGRATIONS
from referral.schema import apply_migrations, connect
from referral.transactions import write

from .conftest import visit
from .device_side import _LATER, OXIMETER
from .test_cli import run

#: A log written by the version before migrations 0018 and 0019 (see the file's header).
LOG_0017 = Path(__file__).parent / "data" / "log_0017.sql"


def _log_0017(folder: Path, *edits: str, dump: Path = LOG_0017) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "old.db"
    raw = sqlite3.connect(path)
    raw.executescript(dump.read_text(encoding="utf-8"))
    for sql in edits:
        raw.execute(sql)
    raw.commit()
    raw.close()
    return path


def test_a_log_from_the_previous_schema_upgrades_and_matches_its_trail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _log_0017(tmp_path)
    code, out, err = run(capsys, "migrate", "--db", str(path))
    assert code == 0 and "0018_audit_entity_index" in out and "0019_audit_record_unrecorded" in out, err
    db = connect(path)
    recorded = db.execute(
        "SELECT action, entity_id, data FROM audit WHERE actor = 'clinic-triage' ORDER BY seq"
    )
    assert [(action, entity) for action, entity, _ in recorded.fetchall()] == [
        ("setting.set", "clinic_id"),  # never the pseudonym secret
        ("user.recorded", "admin1"),
        ("user.recorded", "nurse1"),
        ("token.recorded", "admin1"),
        ("token.recorded", "nurse1"),
    ]
    secret = db.execute("SELECT value FROM settings WHERE key = 'pseudonym_secret'").fetchone()[0]
    assert secret not in "".join(row[0] for row in db.execute("SELECT data FROM audit"))
    code, out, err = run(capsys, "verify-audit", "--db", str(path))
    assert code == 0, err
    assert "1 patient, 1 encounter, 2 observations" in out and "2 users, 2 api_tokens" in out


@pytest.mark.parametrize(
    ("sql", "table", "row_id", "problem"),
    [
        (
            "UPDATE observations SET value_num = 6.2 WHERE code = 'glucose_random'",
            "observations",
            1,
            "value_num",
        ),
        ("UPDATE facilities SET tier = 'primary' WHERE id = 'ZJ-S01'", "facilities", "ZJ-S01", "tier"),
        ("UPDATE settings SET value = 'ZJ-C02' WHERE key = 'clinic_id'", "settings", "clinic_id", "value"),
        (
            f"UPDATE settings SET value = '{'1' * 64}' WHERE key = 'pseudonym_secret'",
            "settings",
            "pseudonym_secret",
            "value",
        ),
        (
            "UPDATE users SET password_hash = 'forged' WHERE username = 'admin1'",
            "users",
            "admin1",
            "password_hash",
        ),
        ("UPDATE users SET disabled = 0 WHERE username = 'nurse1'", "users", "nurse1", "disabled"),
        (
            "UPDATE api_tokens SET revoked_at = NULL WHERE username = 'nurse1'",
            "api_tokens",
            "bbbbbbbb...",
            "revoked_at",
        ),
    ],
)
def test_an_upgraded_log_names_an_edit_made_after_the_upgrade(
    tmp_path: Path, sql: str, table: str, row_id: int | str, problem: str
) -> None:
    report = _upgraded_then_edited(_log_0017(tmp_path), sql)
    assert (report.table, report.row_id) == (table, row_id) and str(report.problem).startswith(problem), (
        report
    )


def _upgraded_then_edited(path: Path, sql: str) -> RowsReport:
    connect(path).close()  # the upgrade
    raw = sqlite3.connect(path)
    raw.execute(sql)
    raw.commit()
    raw.close()
    return verify_rows(connect(path))


def test_an_observation_edited_before_the_upgrade_is_still_found(tmp_path: Path) -> None:
    """Observations were in the trail already; settings, password hashes and token digests are
    taken as found at the upgrade (docs/referral-log.md says so)."""
    path = _log_0017(tmp_path, "UPDATE observations SET value_num = 6.2 WHERE id = 1")
    report = verify_rows(connect(path))
    assert (report.table, report.row_id) == ("observations", 1), report


def test_a_backup_from_the_previous_schema_is_checked_and_restored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checked before it is migrated: its settings have no entries yet, which is no edit."""
    old = _log_0017(tmp_path)
    (tmp_path / "new").mkdir()  # --db in a folder that does not exist is refused (ce3ebde)
    code, out, err = run(capsys, "restore", "--from", str(old), "--db", str(tmp_path / "new" / "clinic.db"))
    assert code == 0 and "audit chain intact" in out, err
    forged = _log_0017(
        tmp_path / "forged", f"UPDATE settings SET value = '{'2' * 64}' WHERE key = 'pseudonym_secret'"
    )
    (tmp_path / "new2").mkdir()
    code, _, err = run(capsys, "restore", "--from", str(forged), "--db", str(tmp_path / "new2" / "clinic.db"))
    assert code == 1 and "settings row pseudonym_secret" in err, err


#: A log written by the version before migration 0020, its device side used (see the file's header).
LOG_0019 = Path(__file__).parent / "data" / "log_0019.sql"


def test_a_log_from_before_0020_is_checked_as_it_is_then_upgrades_and_matches_its_trail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _log_0017(tmp_path, dump=LOG_0019)
    before = verify_rows(connect(path, migrate=False))  # as a backup is checked before its restore
    assert before.ok and before.rows["observation_corrections"] == 2, before
    code, out, err = run(capsys, "migrate", "--db", str(path))
    # the names it applied, before "; the log as it was is backed up ... at <name>.<UTC time>.db" (a
    # time such as T001922Z holds "0019": CI failed on it at 00:19:22)
    applied = re.search(r": applied \d+ migrations: ([^;\n]+)", out)
    assert code == 0 and applied is not None, (out, err)
    names = applied[1].split(", ")
    assert names.count("0020_audit_record_device_rows") == 1, names
    assert all(int(name[:4]) >= 20 for name in names), names  # 0019 and those before were there
    db = connect(path)
    recorded = db.execute(
        "SELECT action, entity_id, data FROM audit WHERE actor = 'clinic-triage' AND reason LIKE '%0020%' ORDER BY seq"
    ).fetchall()
    assert [(action, entity, sorted(json.loads(data))) for action, entity, data in recorded] == [
        ("device_result.review_recorded", "1", ["observation_id"]),
        ("device_result.review_recorded", "2", ["observation_id"]),
        # no association: their start entries hold their expiry (since 0010)
        ("observation.correction_recorded", "1", ["corrected_at", "correction"]),
        ("observation.correction_recorded", "1", ["corrected_at", "correction", "reviewed_at"]),
        ("referral.basis_recorded", "1", ["basis_change", "changed_at", "encounter_id", "resolved_at"]),
        (
            "referral.basis_recorded",
            "1",
            ["basis_change", "changed_at", "encounter_id"],
        ),  # closed by the cancel
    ]
    code, out, err = run(capsys, "verify-audit", "--db", str(path))
    assert code == 0, err
    assert (
        "2 device_associations, 2 device_result_reviews, 2 observation_corrections, 2 referral_basis_changes)"
        in out
    )


#: Edits after the upgrade, of columns the trail held before it and of those 0020 recorded.
EDITS_AFTER_0020 = [
    ("UPDATE device_result_reviews SET observation_id = 4 WHERE result_id = 1", "device_result_reviews", 1),
    ("UPDATE device_result_reviews SET reason = 'x' WHERE result_id = 2", "device_result_reviews", 2),
    (f"UPDATE device_associations SET expires_at = '{_LATER}' WHERE id = 2", "device_associations", 2),
    (
        f"UPDATE observation_corrections SET corrected_at = '{_LATER}' WHERE id = 1",
        "observation_corrections",
        1,
    ),
    (
        f"UPDATE observation_corrections SET reviewed_at = '{_LATER}' WHERE id = 2",
        "observation_corrections",
        2,
    ),
    ("UPDATE observation_corrections SET replaces_id = NULL WHERE id = 1", "observation_corrections", 1),
    ("UPDATE referral_basis_changes SET encounter_id = 2 WHERE id = 2", "referral_basis_changes", 2),
    (f"UPDATE referral_basis_changes SET changed_at = '{_LATER}' WHERE id = 2", "referral_basis_changes", 2),
    (f"UPDATE referral_basis_changes SET resolved_at = '{_LATER}' WHERE id = 1", "referral_basis_changes", 1),
    (f"UPDATE referral_basis_changes SET resolved_at = '{_LATER}' WHERE id = 2", "referral_basis_changes", 2),
]


@pytest.mark.parametrize(("sql", "table", "row_id"), EDITS_AFTER_0020)
def test_a_log_upgraded_to_0020_names_an_edit_made_after_the_upgrade(
    tmp_path: Path, sql: str, table: str, row_id: int
) -> None:
    report = _upgraded_then_edited(_log_0017(tmp_path, dump=LOG_0019), sql)
    assert (report.table, report.row_id) == (table, row_id), report
    column = sql.split(" SET ")[1].split(" = ")[0]
    assert str(report.problem).startswith(f"{column} is "), report


def test_a_column_the_trail_held_before_0020_is_still_found_edited_before_it(tmp_path: Path) -> None:
    """Held from the start (a correction's values, an association's end): found whenever edited.
    Recorded at the upgrade (a correction's time): taken as found then (docs/referral-log.md)."""
    path = _log_0017(
        tmp_path,
        "UPDATE observation_corrections SET replaces_id = NULL WHERE id = 1",
        f"UPDATE observation_corrections SET corrected_at = '{_LATER}' WHERE id = 2",
        dump=LOG_0019,
    )
    report = verify_rows(connect(path))
    assert (report.table, report.row_id) == ("observation_corrections", 1), report
    assert str(report.problem).startswith("replaces_id is None"), report
    assert connect(path).execute(
        "SELECT corrected_at FROM observation_corrections WHERE id = 2"
    ).fetchone() == (_LATER,)


def test_an_association_attached_before_0010_gets_its_expiry_recorded(tmp_path: Path) -> None:
    """Its start entry has no expiry (0010 set it): 0020 records the one found, and an edit of it
    after the upgrade is found. The old version's attach is written as it wrote it."""
    db = connect(tmp_path / "old.db", migrate=False)
    MIGRATIONS.apply(db, stop_before="0010_device_association_expiry")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    encounter_id = int(visit(db)["encounter_id"])

    def attach(db: Database) -> None:
        started = associations.utc_now()
        row = [OXIMETER, encounter_id, 1, started, "nurse1"]
        db.conn.execute(
            "INSERT INTO device_associations (device_id, encounter_id, patient_id, started_at, started_by)"
            " VALUES (?, ?, ?, ?, ?)",
            row,
        )
        data = dict(zip(("device_id", "encounter_id", "patient_id", "started_at"), row, strict=False))
        audit.append(
            db,
            actor="nurse1",
            action="device_association.start",
            entity="device_association",
            entity_id=1,
            reason="device attached to the patient",
            data=data | {"replaces": None},
        )

    write(db, attach)
    assert verify_rows(db).ok  # the expiry is not in the trail: not compared
    applied = apply_migrations(db)
    assert applied[0] == "0010_device_association_expiry" and DEVICE_RECORDED_FROM in applied
    (expires,) = db.execute("SELECT expires_at FROM device_associations").fetchone()
    assert expires is not None
    entry = audit.entries_for(db, "device_association", 1)[-1]
    assert (entry["action"], entry["data"]) == ("device_association.recorded", {"expires_at": expires})
    assert verify_rows(db).ok
    db.execute("UPDATE device_associations SET expires_at = ?", [_LATER])
    db.conn.commit()
    report = verify_rows(db)
    assert (report.table, report.row_id) == ("device_associations", 1), report
    assert str(report.problem).startswith(f"expires_at is '{_LATER}', its audit trail says '{expires}'")

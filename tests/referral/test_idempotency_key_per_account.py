"""Idempotency keys unique per account (migration ``0027``) on real SQLite files: a log written by
schema 26 - keyed encounters, assessments, referrals, readings and overrides, a closed visit, a
purge that forgot a readings key - is upgraded keeping every row as it was (ids included), every
index and trigger, and every audit entry, and its audit chain and rows still verify; afterwards a
second account uses the same keys for records of its own (a 409 "already used by another account"
before), each account's retry answered its own record, and a purge of such keys still replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from referral import audit, audit_rows, closure, idempotency_keys, referrals, store
from referral.records import EncounterIn, ObservationIn, OverrideIn
from referral.schema import applied_migrations, connect

from .conftest import assessment_in, log_before, visit
from .test_override_keys import _old_keyed_override
from .test_storage import _referral

MIGRATION = "0027_idempotency_key_per_account"
KEYED = ("encounters", "assessments", "referrals", "observation_requests", "overrides")
DIGEST = "b" * 64
DAY = timedelta(days=1)


def _readings() -> list[ObservationIn]:
    return [
        ObservationIn(code="heart_rate", value_num=88, unit="/min", observed_at="2026-05-01T09:05:00+08:00")
    ]


def _keyed_records(db: Database, actor: str, mrn: str, key: str) -> dict[str, int]:
    """One record of each keyed kind, all under ``key``, by ``actor``; their ids."""
    store.upsert_patient(db, store.PatientIn(mrn=mrn, sex="female"), actor=actor, reason="registration")
    visit = EncounterIn(
        patient_mrn=mrn, facility_id="ZJ-C01", started_at="2026-05-01T09:00:00+08:00", idempotency_key=key
    )
    encounter = store.open_encounter(db, visit, actor=actor, reason="visit")["id"]
    assessment = store.record_assessment(
        db, encounter, assessment_in(idempotency_key=key), actor=actor, reason="triage"
    )["id"]
    referral = referrals.create_referral(db, _referral(assessment, key), actor=actor)["id"]
    readings = store.add_observations(
        db, encounter, _readings(), actor=actor, reason="manual entry", keyed=(key, DIGEST)
    )
    decision = OverrideIn(clinician=actor, disposition="local_care", reason="seen in person")
    override = store.override_assessment(db, assessment, decision, keyed=(key, DIGEST))["id"]
    return {
        "encounters": encounter,
        "assessments": assessment,
        "referrals": referral,
        "observations": readings[0],
        "overrides": override,
    }


def _tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    every = (*KEYED, "patients", "observations", "audit")
    return {table: db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in every}


def _schema(db: Database) -> set[tuple[str, str]]:
    return {(kind, name) for kind, name in db.execute("SELECT type, name FROM sqlite_master")}


def _verified(db: Database) -> None:
    assert audit.verify(db).ok
    rows = audit_rows.verify_rows(db)
    assert rows.ok, rows.as_dict()
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_log_of_schema_26_upgrades_with_every_row_and_entry_and_keys_become_the_accounts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    db = log_before(path, MIGRATION)
    nurse = _keyed_records(db, "nurse1", "MRN-1", "k-1")
    closure.close(db, nurse["encounters"], actor="nurse1", reason="seen", without_referral=True)
    forgotten = store.add_observations(
        db,
        nurse["encounters"],
        _readings(),
        actor="nurse1",
        reason="manual entry",
        keyed=("k-old", DIGEST),
        after_close=True,
    )
    # a purge as schema 26 wrote it: it names the readings' key alone
    later = datetime.now(UTC) + 3 * DAY
    report = idempotency_keys.purge(db, now=later, retention=DAY)
    assert report.cleared["observation_requests"] == 2 and report.total == 6
    _keyed_records(db, "nurse1", "MRN-2", "k-2")  # kept, after the purge
    _verified(db)
    before, schema = _tables(db), _schema(db)
    db.close()

    db = connect(path)  # upgrades
    assert MIGRATION in applied_migrations(db)
    after = _tables(db)
    upgrade = after["audit"][len(before["audit"]) :]
    assert len(upgrade) == 1 and "log.upgrade" in upgrade[0]  # the upgrade's own entry, nothing else
    assert {table: rows for table, rows in after.items() if table != "audit"} == {
        table: rows for table, rows in before.items() if table != "audit"
    }
    assert after["audit"][: len(before["audit"])] == before["audit"]
    # every index and trigger made again (the closed visit's among them); the columns' UNIQUE became
    # an index on the key and its author
    rebuilt = {"encounters", "assessments", "referrals", "observation_requests"}
    unique = {("index", f"sqlite_autoindex_{table}_1") for table in rebuilt}
    named = {("index", f"{table}_idempotency_key") for table in rebuilt}
    assert _schema(db) - {("table", "service_clock")} == schema - unique | named  # (0028's table)
    _verified(db)

    # another account, the same keys: records of its own, not a conflict
    doctor = _keyed_records(db, "dr1", "MRN-3", "k-2")
    again = _keyed_records(db, "dr1", "MRN-3", "k-2")
    assert again == doctor  # its retry: its own records
    assert _keyed_records(db, "nurse1", "MRN-2", "k-2") != doctor  # the nurse's retry: hers
    assert forgotten != store.add_observations(  # a forgotten key, now someone else's too
        db, doctor["encounters"], _readings(), actor="dr1", reason="manual entry", keyed=("k-old", DIGEST)
    )
    _verified(db)
    # a purge after the upgrade names each readings key with its account, and replays
    report = idempotency_keys.purge(db, now=later + 3 * DAY, retention=DAY)
    assert report.cleared["observation_requests"] == 3
    _verified(db)


def test_a_new_log_holds_one_key_per_account(db: Database) -> None:
    nurse = _keyed_records(db, "nurse1", "MRN-1", "k-1")
    doctor = _keyed_records(db, "dr1", "MRN-2", "k-1")
    assert all(nurse[kind] != doctor[kind] for kind in nurse)
    for table in KEYED:
        author = "clinician" if table == "overrides" else "created_by"
        found = db.execute(
            f"SELECT {author} FROM {table} WHERE idempotency_key = 'k-1' ORDER BY 1"
        ).fetchall()
        assert found == [("dr1",), ("nurse1",)], table
    _verified(db)


def test_an_older_log_s_key_two_clinicians_used_stays_with_the_first_after_the_upgrade(
    tmp_path: Path,
) -> None:
    """Before migration 0026 two clinicians could record overrides under one key; 0026 left it with
    the first. Keys per clinician (0027) do not give the second its key back: the audit replay reads
    entries before the upgrade by the whole log's rule, and the rows verify."""
    path = tmp_path / "old.db"
    db = log_before(path, "0026_override_idempotency_key")
    first = _old_keyed_override(db, visit(db, "MRN-1")["id"], "k-1", "dr1")
    second = _old_keyed_override(db, visit(db, "MRN-2")["id"], "k-1", "dr2")
    db.close()
    db = connect(path)
    keys = dict(db.execute("SELECT id, idempotency_key FROM overrides").fetchall())
    assert keys == {first: "k-1", second: None}
    _verified(db)

"""Rows of the audited tables edited with plain sqlite3 (the audit table untouched, its chain
intact) are found by `triage referrals verify-audit`, which names the table and the row."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from referral import audit, closure, encounter_context, facilities, referrals, store
from referral.audit_rows import verify_rows
from referral.records import FeedbackIn, OverrideIn, PatientIn, ReferralIn
from referral.schema import connect

from .conftest import visit
from .test_cli import run
from .test_reliability import _prepared, _writer


@pytest.fixture
def log(tmp_path: Path) -> Path:
    """A log used the way a clinic uses it: every audited kind of write, and no edit behind it."""
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    first = visit(db)
    second = visit(db, mrn="MRN-2")
    done = referrals.create_referral(
        db,
        ReferralIn(assessment_id=first["id"], to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90"),
        actor="dr_li",
    )
    for status in ("sent", "accepted", "arrived"):
        referrals.transition(db, done["id"], status, actor="dr_li")
    referrals.transition(
        db, done["id"], "completed", actor="hospital", feedback=FeedbackIn(justified=True, diagnosis="COPD")
    )
    dropped = referrals.create_referral(
        db,
        ReferralIn(assessment_id=second["id"], to_facility="ZJ-T01", urgency="routine", reason="HbA1c"),
        actor="dr_li",
    )
    referrals.transition(db, dropped["id"], "cancelled", actor="dr_li", note="seen locally")
    store.override_assessment(
        db, second["id"], OverrideIn(clinician="dr_wang", disposition="local_care", reason="known COPD")
    )
    store.upsert_patient(
        db, PatientIn(mrn="MRN-2", name="Renamed Patient", sex="male"), actor="clerk", reason="typo"
    )
    encounter_context.remember(db, second["encounter_id"], {"smoker": True}, actor="nurse1")
    closure.close(db, first["encounter_id"], actor="nurse1", reason="visit over")
    db.close()
    return path


def test_a_log_used_normally_matches_its_trail(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 0, err
    assert "the tables match it (2 patients, 2 encounters, 2 assessments, 1 overrides" in out
    code, out, _ = run(capsys, "verify-audit", "--db", str(log), "--json")
    report = json.loads(out)
    assert report["ok"] and report["rows"]["rows"]["referrals"] == 2
    assert report["rows"]["rows"]["referral_events"] == 7  # 5 + 2


TAMPERING = [
    (
        "UPDATE referrals SET status = 'sent', completed_at = NULL WHERE id = 1",
        "referrals",
        1,
        "status is 'sent'",
    ),
    ("UPDATE referrals SET to_facility = 'ZJ-T02' WHERE id = 2", "referrals", 2, "to_facility is 'ZJ-T02'"),
    (
        "UPDATE referrals SET feedback = NULL, justified = NULL WHERE id = 1",
        "referrals",
        1,
        "justified is None",
    ),
    ("DELETE FROM referrals WHERE id = 2", "referrals", 2, "missing: deleted"),
    (
        "INSERT INTO referrals (assessment_id, encounter_id, to_facility, urgency, reason, status,"
        " request_sha256, created_at, created_by, updated_at) SELECT assessment_id, encounter_id,"
        " to_facility, urgency, reason, status, request_sha256, created_at, created_by, updated_at"
        " FROM referrals WHERE id = 1",
        "referrals",
        3,
        "not in the audit trail",
    ),
    (
        "DELETE FROM referral_events WHERE referral_id = 2 AND to_status = 'cancelled'",
        "referral_events",
        2,
        "missing",
    ),
    (
        "UPDATE referral_events SET actor = 'mallory' WHERE id = 3",
        "referral_events",
        3,
        "differs from its audit trail",
    ),
    (
        "UPDATE assessments SET disposition = 'local_care' WHERE id = 1",
        "assessments",
        1,
        "disposition is 'local_care'",
    ),
    ("UPDATE assessments SET payload = '{}' WHERE id = 2", "assessments", 2, "payload is '{}'"),
    ("UPDATE overrides SET reason = 'no reason' WHERE id = 1", "overrides", 1, "reason is 'no reason'"),
    ("DELETE FROM overrides", "overrides", 1, "missing: deleted"),
    ("UPDATE patients SET name = 'Someone Else' WHERE id = 2", "patients", 2, "name is 'Someone Else'"),
    ("UPDATE encounters SET facility_id = 'ZJ-C02' WHERE id = 1", "encounters", 1, "facility_id is 'ZJ-C02'"),
]


@pytest.mark.parametrize(("sql", "table", "row_id", "problem"), TAMPERING)
def test_an_edit_with_plain_sqlite3_is_found_and_named(
    log: Path, sql: str, table: str, row_id: int, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = sqlite3.connect(log)  # foreign keys off, no application: what a person with a shell can do
    raw.execute(sql)
    raw.commit()
    raw.close()
    db = connect(log)
    assert audit.verify(db).ok  # the audit table was not touched: the chain alone sees nothing
    report = verify_rows(db)
    assert (report.ok, report.table, report.row_id) == (False, table, row_id), report
    assert problem in str(report.problem)
    code, _, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 1 and err.count("\n") == 1
    assert f"but {table} row {row_id}: " in err and "edited outside the application" in err


def test_verify_audit_while_a_writer_streams_sees_one_moment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A referral created and sent between two of its queries must not look like an edit."""
    path = tmp_path / "clinic.db"
    assessment_id = _prepared(path)
    writer = _writer("service", str(path), "3", "live", str(assessment_id))
    assert writer.stdout is not None
    assert writer.stdout.readline().startswith("ack ")
    # drain the writer's acks as they come: a full pipe (about 3,600 acks on a quick machine)
    # would block the writer's next print, the writer would never exit and this loop never end
    acks: list[str] = []
    drain = threading.Thread(target=lambda: acks.extend(writer.stdout or ()), daemon=True)
    drain.start()
    results = []
    deadline = time.monotonic() + 120
    while writer.poll() is None and time.monotonic() < deadline:
        results.append(run(capsys, "verify-audit", "--db", str(path)))
    _, errors = writer.communicate(timeout=30)
    drain.join(timeout=30)
    assert writer.returncode == 0, errors
    assert acks and not [line for line in acks if line.startswith("ERROR")], acks[:3]
    assert len(results) >= 3
    assert [r for r in results if r[0] != 0] == []

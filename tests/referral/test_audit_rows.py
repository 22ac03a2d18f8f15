"""Rows of the audited tables edited with plain sqlite3 (the audit table untouched, its chain
intact) are found by `triage referrals verify-audit`, which names the table and the row."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from referral import (
    audit,
    closure,
    encounter_context,
    facilities,
    referrals,
    store,
    users,
)
from referral.audit_rows import verify_rows
from referral.records import FacilityIn, FeedbackIn, ObservationIn, OverrideIn, PatientIn, ReferralIn
from referral.schema import connect
from referral.transactions import write

from .conftest import visit
from .device_side import _AT, _LATER, device_history
from .test_cli import run
from .test_reliability import _prepared, _together, _writer


@pytest.fixture(scope="module")
def _used_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log used the way a clinic uses it: every audited kind of write, and no edit behind it.
    Built once for the module; each test gets its own copy (:func:`log`) and edits that."""
    path = tmp_path_factory.mktemp("used-log") / "clinic.db"
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
    store.add_observations(
        db,
        first["encounter_id"],
        [
            ObservationIn(
                code="glucose_random", value_num=28.0, unit="mmol/L", observed_at=_AT, device="meter-1"
            ),
            ObservationIn(
                code="temperature",
                value_num=38.6111111,
                unit="Cel",
                observed_at=_AT,
                reported_value=101.5,
                reported_unit="[degF]",
            ),
        ],
        actor="nurse1",
        reason="vitals",
    )
    closure.close(db, first["encounter_id"], actor="nurse1", reason="visit over")
    bigger = FacilityIn.model_validate(facilities.get_or_404(db, "ZJ-S01") | {"beds": 420, "synthetic": True})
    write(db, lambda db: facilities.upsert(db, bigger, actor="admin1", reason="beds counted again"))
    users.create_user(db, "admin1", "$argon2id$admin-hash", "admin", actor="first-run-setup")
    users.create_user(db, "nurse2", "$argon2id$nurse-hash", "nurse", actor="admin1")
    users.set_disabled(db, "nurse2", True, actor="admin1")
    users.create_token(db, "c" * 64, "admin1", "lab bridge", actor="admin1")
    users.create_token(db, "d" * 64, "nurse2", "old tablet", actor="admin1")
    users.revoke_token(db, "d" * 64, actor="admin1")
    db.close()
    return path


@pytest.fixture(scope="module")
def _used_device_log(tmp_path_factory: pytest.TempPathFactory, _used_log: Path) -> Path:
    """The same log, then the device side's writes (:func:`device_history`) on MRN-2's open visit.
    Built once for the module; each test gets its own copy (:func:`device_log`)."""
    path = _copied(_used_log, tmp_path_factory.mktemp("used-device-log"))
    db = connect(path)
    device_history(db, 2, "MRN-2")
    db.close()
    return path


def _copied(log: Path, folder: Path) -> Path:
    """``log`` (closed, so its -wal is empty or gone) copied into ``folder`` under its name."""
    for suffix in ("", "-wal"):
        source = Path(f"{log}{suffix}")
        if source.exists():
            shutil.copy(source, folder / source.name)
    return folder / log.name


@pytest.fixture
def log(tmp_path: Path, _used_log: Path) -> Path:
    """This test's own copy of :func:`_used_log`, at tmp_path/clinic.db."""
    return _copied(_used_log, tmp_path)


@pytest.fixture
def device_log(tmp_path: Path, _used_device_log: Path) -> Path:
    """This test's own copy of :func:`_used_device_log`, at tmp_path/clinic.db."""
    return _copied(_used_device_log, tmp_path)


def test_a_log_used_normally_matches_its_trail(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 0, err
    assert "the tables match it (2 patients, 2 encounters, 2 observations, 2 assessments, 1 override" in out
    code, out, _ = run(capsys, "verify-audit", "--db", str(log), "--json")
    report = json.loads(out)
    assert report["ok"] and report["mismatch"] is None  # "rows" was {"rows": {...}, "ok": ...}
    assert report["rows"]["referrals"] == 2
    assert report["rows"]["referral_events"] == 7  # 5 + 2
    counts = report["rows"]
    assert (counts["facilities"], counts["settings"], counts["users"], counts["api_tokens"]) == (9, 2, 2, 2)


def test_the_device_side_used_normally_matches_its_trail(
    device_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reviews, associations, corrections and basis changes written by the product, each through
    every change it can take (assigned and its observation named, dismissed; attached, linking,
    detached; applied, held and dismissed; acknowledged, closed by cancelling)."""
    code, out, err = run(capsys, "verify-audit", "--db", str(device_log))
    assert code == 0, err
    assert (
        "5 observations, 5 assessments, 1 override, 9 referral_events, 3 referrals" in out
        and "3 device_associations, 3 device_result_reviews, 2 observation_corrections, 2 referral_basis_changes)"
        in out
    ), out
    db = connect(device_log)
    resolved = db.execute("SELECT resolution, resolved_by FROM referral_basis_changes ORDER BY id").fetchall()
    assert resolved == [("acknowledged", "dr_li"), ("cancelled", "dr_li")]
    assert db.execute("SELECT state, reviewed_by FROM observation_corrections ORDER BY id").fetchall() == [
        ("applied", None),
        ("held", "nurse1"),
    ]
    assert db.execute("SELECT end_reason, ended_by FROM device_associations ORDER BY id").fetchall() == [
        ("measurement finished", "nurse1"),
        ("expired", "system"),
        (None, None),
    ]
    assert db.execute(
        "SELECT reviewed_by, reason FROM device_result_reviews WHERE result_id = 3"
    ).fetchall() == [
        ("nurse2", "no patient for it")  # the review of the preliminary result gave way
    ]


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

#: Edits of the tables compared since migration 0019 (observations, facilities, settings, users,
#: API tokens): a changed glucose value changes a decision, a changed role or revocation who may
#: make one.
TAMPERING_MORE = [
    (
        "UPDATE observations SET value_num = 8.2 WHERE id = 1",
        "observations",
        1,
        "value_num is 8.2, its audit",
    ),
    (
        "UPDATE observations SET reported_value = 98.6 WHERE id = 2",
        "observations",
        2,
        "reported_value is 98.6, its audit trail says 101.5",
    ),
    ("UPDATE observations SET encounter_id = 2 WHERE id = 2", "observations", 2, "encounter_id is 2"),
    ("DELETE FROM observations WHERE id = 2", "observations", 2, "missing: deleted"),
    (
        "INSERT INTO observations (encounter_id, code, value_num, unit, observed_at, status)"
        f" VALUES (2, 'spo2', 99.0, '%', '{_AT}', 'final')",
        "observations",
        3,
        "not in the audit trail (inserted)",
    ),
    (
        "UPDATE facilities SET tier = 'tertiary' WHERE id = 'ZJ-S01'",
        "facilities",
        "ZJ-S01",
        "tier is 'tertiary'",
    ),
    (
        "UPDATE facilities SET beds = 20 WHERE id = 'ZJ-S01'",
        "facilities",
        "ZJ-S01",
        "beds is 20, its audit trail says 420",
    ),
    ("DELETE FROM facilities WHERE id = 'ZJ-T02'", "facilities", "ZJ-T02", "missing: deleted"),
    (
        "INSERT INTO facilities SELECT 'ZJ-X01', name, tier, region_code, lon, lat, beds, capacity,"
        " digital_triage_start, synthetic FROM facilities WHERE id = 'ZJ-S01'",
        "facilities",
        "ZJ-X01",
        "not in the audit trail (inserted)",
    ),
    (
        "UPDATE settings SET value = 'ZJ-C02' WHERE key = 'clinic_id'",
        "settings",
        "clinic_id",
        "value is a different text",
    ),
    ("DELETE FROM settings WHERE key = 'clinic_id'", "settings", "clinic_id", "missing: deleted"),
    (
        f"UPDATE settings SET value = '{'0' * 64}' WHERE key = 'pseudonym_secret'",
        "settings",
        "pseudonym_secret",
        "its audit trail says the secret that made patient 1's pseudonymous id",
    ),
    ("UPDATE users SET role = 'admin' WHERE username = 'nurse2'", "users", "nurse2", "role is 'admin'"),
    ("UPDATE users SET disabled = 0 WHERE username = 'nurse2'", "users", "nurse2", "disabled is 0"),
    (
        "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'nurse2')"
        " WHERE username = 'admin1'",
        "users",
        "admin1",
        "password_hash is a different text",
    ),
    (
        "INSERT INTO users (username, password_hash, role, created_at) VALUES ('mallory', 'x', 'admin', 'now')",
        "users",
        "mallory",
        "not in the audit trail (inserted)",
    ),
    (
        "UPDATE api_tokens SET revoked_at = NULL WHERE username = 'nurse2'",
        "api_tokens",
        "dddddddd...",
        "revoked_at is None, its audit trail says it was revoked",
    ),
    (
        "UPDATE api_tokens SET username = 'nurse2' WHERE label = 'lab bridge'",
        "api_tokens",
        "cccccccc...",
        "username",
    ),
    (
        f"UPDATE api_tokens SET token_sha256 = '{'c' * 8 + 'e' * 56}' WHERE label = 'lab bridge'",
        "api_tokens",
        "cccccccc...",
        "token_sha256 is a different text",
    ),
    (
        f"INSERT INTO api_tokens (token_sha256, username, label, created_at, revoked_at) "
        f"VALUES ('{'e' * 64}', 'admin1', 'spare', 'now', NULL)",
        "api_tokens",
        "eeeeeeee...",
        "not in the audit trail (inserted)",
    ),
]


@pytest.mark.parametrize(("sql", "table", "row_id", "problem"), TAMPERING + TAMPERING_MORE)
def test_an_edit_with_plain_sqlite3_is_found_and_named(
    log: Path, sql: str, table: str, row_id: int | str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _edited_and_named(log, sql, table, row_id, problem, capsys)


def _edited_and_named(
    log: Path, sql: str, table: str, row_id: int | str, problem: str, capsys: pytest.CaptureFixture[str]
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
    code, out, _ = run(capsys, "verify-audit", "--db", str(log), "--json")
    shown = json.loads(out)
    assert code == 1 and not shown["ok"] and isinstance(shown["rows"], dict)
    assert (shown["mismatch"]["table"], shown["mismatch"]["row_id"]) == (table, row_id)


#: Edits of the device side's clinical rows (compared since migration 0020): a review that put a
#: reading into a visit, a device attached to a patient, a correction that took a reading out of
#: the decision, a referral whose basis changed. Ids as :func:`device_history` leaves them.
TAMPERING_DEVICES = [
    (
        "UPDATE device_result_reviews SET reason = 'no reason' WHERE result_id = 1",
        "device_result_reviews",
        1,
        "reason is 'no reason'",
    ),
    (
        "UPDATE device_result_reviews SET observation_id = 4 WHERE result_id = 1",
        "device_result_reviews",
        1,
        "observation_id is 4, its audit trail says 3",
    ),
    (
        "UPDATE device_result_reviews SET state = 'assigned', encounter_id = 1 WHERE result_id = 2",
        "device_result_reviews",
        2,
        "state is 'assigned'",
    ),
    ("DELETE FROM device_result_reviews WHERE result_id = 2", "device_result_reviews", 2, "missing: deleted"),
    (
        "INSERT INTO device_result_reviews (result_id, state, reviewed_by, reviewed_at, reason)"
        f" VALUES (4, 'dismissed', 'nurse1', '{_LATER}', 'not needed')",
        "device_result_reviews",
        4,
        "not in the audit trail (inserted)",
    ),
    (
        f"UPDATE device_associations SET expires_at = '{_LATER}' WHERE id = 3",
        "device_associations",
        3,
        "expires_at is '2099-01-01",
    ),
    (
        "UPDATE device_associations SET patient_id = 1 WHERE id = 2",
        "device_associations",
        2,
        "patient_id is 1",
    ),
    (
        "UPDATE device_associations SET end_reason = 'replaced' WHERE id = 1",
        "device_associations",
        1,
        "end_reason is 'replaced', its audit trail says 'measurement finished'",
    ),
    ("DELETE FROM device_associations WHERE id = 1", "device_associations", 1, "missing: deleted"),
    (
        "INSERT INTO device_associations (device_id, encounter_id, patient_id, started_at, started_by,"
        " expires_at, ended_at, ended_by, end_reason) SELECT device_id, 1, 1, started_at, started_by,"
        " expires_at, ended_at, ended_by, end_reason FROM device_associations WHERE id = 1",
        "device_associations",
        4,
        "not in the audit trail (inserted)",
    ),
    (
        "UPDATE observation_corrections SET replaces_id = NULL WHERE id = 1",  # 28.0 back in the decision
        "observation_corrections",
        1,
        "replaces_id is None, its audit trail says 4",
    ),
    (
        "UPDATE observation_corrections SET new_value = '6.0 mmol/L' WHERE id = 1",
        "observation_corrections",
        1,
        "new_value is '6.0 mmol/L'",
    ),
    (
        "UPDATE observation_corrections SET reviewed_by = NULL, reviewed_at = NULL, review_reason = NULL"
        " WHERE id = 2",
        "observation_corrections",
        2,
        "reviewed_by is None",
    ),
    (
        f"UPDATE observation_corrections SET corrected_at = '{_LATER}' WHERE id = 2",
        "observation_corrections",
        2,
        "corrected_at is '2099-01-01",
    ),
    ("DELETE FROM observation_corrections WHERE id = 2", "observation_corrections", 2, "missing: deleted"),
    (
        "INSERT INTO observation_corrections (encounter_id, result_id, message_id, state, old_value, new_value,"
        " held_reason, corrected_at) SELECT encounter_id, result_id, message_id, 'held', old_value, '1.0 mmol/L',"
        " 'implausible', corrected_at FROM observation_corrections WHERE id = 1",
        "observation_corrections",
        3,
        "not in the audit trail (inserted)",
    ),
    (
        "UPDATE referral_basis_changes SET resolution = NULL, resolved_at = NULL, resolved_by = NULL,"
        " resolution_reason = NULL WHERE id = 2",
        "referral_basis_changes",
        2,
        "resolution is None, its audit trail says 'cancelled'",
    ),
    (
        f"UPDATE referral_basis_changes SET resolved_at = '{_LATER}' WHERE id = 1",
        "referral_basis_changes",
        1,
        "resolved_at is '2099-01-01",
    ),
    (
        "UPDATE referral_basis_changes SET less_urgent = 0 WHERE id = 1",
        "referral_basis_changes",
        1,
        "less_urgent is 0, its audit trail says 1",
    ),
    (
        # not "= resolved_at": a change resolved in the millisecond it was made has the two equal,
        # and the edit would change nothing (it failed a clean-clone run so)
        f"UPDATE referral_basis_changes SET changed_at = '{_LATER}' WHERE id = 1",
        "referral_basis_changes",
        1,
        "changed_at is '2099-01-01",
    ),
    ("DELETE FROM referral_basis_changes WHERE id = 1", "referral_basis_changes", 1, "missing: deleted"),
    (
        "INSERT INTO referral_basis_changes (referral_id, encounter_id, correction_id, assessment_id, code,"
        " old_value, new_value, disposition, referral_urgency, referral_status, less_urgent, changed_at)"
        " SELECT referral_id, encounter_id, 99, assessment_id, code, old_value, new_value, disposition,"
        " referral_urgency, referral_status, less_urgent, changed_at FROM referral_basis_changes WHERE id = 1",
        "referral_basis_changes",
        3,
        "not in the audit trail (inserted)",
    ),
]


@pytest.mark.parametrize(("sql", "table", "row_id", "problem"), TAMPERING_DEVICES)
def test_an_edit_of_the_device_side_is_found_and_named(
    device_log: Path,
    sql: str,
    table: str,
    row_id: int | str,
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _edited_and_named(device_log, sql, table, row_id, problem, capsys)


def test_verify_audit_while_a_writer_streams_sees_one_moment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A referral created and sent between two of its queries must not look like an edit."""
    path = tmp_path / "clinic.db"
    assessment_id = _prepared(path)
    writer = _writer("service", str(path), "3", "live", str(assessment_id))
    _together(writer)  # connected, then told to write (tests/referral/writer.py waits for the go)
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


def test_the_chain_head_anchors_the_trail_against_a_rewrite(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever holds the file can edit an entry and re-hash the chain: it verifies again, but no
    longer holds the head printed (and kept elsewhere) before."""
    code, out, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 0, err
    head = out.splitlines()[-1].split()[2]
    seq, digest = head.split(":")
    assert int(seq) == audit.verify(connect(log)).entries and len(digest) == 64
    visit(connect(log), mrn="MRN-3")  # the log goes on
    code, out, err = run(capsys, "verify-audit", "--db", str(log), "--anchor", head)
    assert code == 0 and f"anchor entry {seq} found unchanged" in out, err
    code, out, _ = run(capsys, "verify-audit", "--db", str(log), "--json", "--anchor", head)
    assert json.loads(out)["anchor"] == {"seq": int(seq), "hash": digest, "problem": None}

    raw = sqlite3.connect(log)
    raw.execute("DROP TRIGGER audit_no_update")
    raw.execute("UPDATE audit SET reason = 'nothing to see' WHERE seq = 2")
    fields = ("seq", "at", "actor", "action", "entity", "entity_id", "reason", "data", "prev_hash")
    previous = audit.GENESIS_HASH
    for row in raw.execute(f"SELECT {', '.join(fields)} FROM audit ORDER BY seq").fetchall():
        entry = dict(zip(fields, row, strict=True)) | {"prev_hash": previous}
        previous = audit.entry_hash(entry)
        raw.execute(
            "UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", [entry["prev_hash"], previous, row[0]]
        )
    raw.commit()
    raw.close()
    code, _, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 0, err  # a rewritten chain is a valid chain
    code, _, err = run(capsys, "verify-audit", "--db", str(log), "--anchor", head)
    assert code == 1 and err.count("\n") == 1
    assert f"entry {seq}'s hash is " in err and "rewritten since the anchor was recorded" in err


@pytest.mark.parametrize("anchor", ["12", "x:" + "0" * 64, "3:abc", "0:" + "0" * 64])
def test_a_malformed_anchor_is_one_line(log: Path, anchor: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "verify-audit", "--db", str(log), "--anchor", anchor)
    assert code == 2 and err.startswith("error: --anchor ") and err.count("\n") == 1, err

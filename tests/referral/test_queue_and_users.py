from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import closure, store, users
from referral.errors import ConflictError, NotFoundError, UserInputError
from referral.queue import staff_queue
from referral.records import EncounterIn, ObservationIn, OverrideIn
from referral.schema import connect

from .conftest import assessment_in, visit

DAY = date(2026, 5, 1)


def test_queue_is_one_day_most_urgent_first_with_latest_assessment_and_override(db: Database) -> None:
    calm = visit(db, mrn="calm", started_at="2026-05-01T08:00:00+08:00", disposition="local_care")
    visit(db, mrn="sick", started_at="2026-05-01T10:00:00+08:00", disposition="emergency_transfer")
    later = visit(db, mrn="reassessed", started_at="2026-05-01T09:00:00+08:00", disposition="local_care")
    store.record_assessment(
        db,
        later["encounter_id"],
        assessment_in(disposition="urgent_referral"),
        actor="engine",
        reason="repeat",
    )
    overridden = visit(
        db, mrn="overridden", started_at="2026-05-01T07:00:00+08:00", disposition="urgent_referral"
    )
    store.override_assessment(
        db, overridden["id"], OverrideIn(clinician="dr", disposition="local_care", reason="chronic, stable")
    )
    visit(db, mrn="yesterday", started_at="2026-04-30T23:59:00+08:00", disposition="emergency_transfer")
    # a second visit the same day once the first is closed (never two open at once)
    closure.close(db, calm["encounter_id"], actor="nurse", reason="went home")
    store.open_encounter(
        db,
        EncounterIn(patient_mrn="calm", facility_id="ZJ-C01", started_at="2026-05-01T11:00:00+08:00"),
        actor="nurse",
        reason="walk-in",
    )
    queue = staff_queue(db, DAY)
    assert [(r["mrn"], r["disposition"]) for r in queue] == [
        ("sick", "emergency_transfer"),
        ("reassessed", "urgent_referral"),
        ("overridden", "local_care"),
        ("calm", "local_care"),
        ("calm", None),
    ]
    assert queue[2]["overridden"] and queue[2]["engine_disposition"] == "urgent_referral"
    assert queue[0]["red_flags"] == ["spo2_below_92"]


def test_observations_keep_their_device_message(db: Database) -> None:
    assessment = visit(db)
    ids = store.add_observations(
        db,
        assessment["encounter_id"],
        [
            ObservationIn(
                code="spo2",
                value_num=91,
                unit="%",
                observed_at="2026-05-01T09:01:00+08:00",
                device="oximeter-1",
                device_message_id="msg-77",
                qc="ok",
            ),
            ObservationIn(
                code="glucose_random",
                value_num=33.3,
                comparator=">",
                unit="mmol/L",
                observed_at="2026-05-01T09:02:00+08:00",
            ),
        ],
        actor="gateway",
        reason="device result",
    )
    stored = store.list_observations(db, assessment["encounter_id"])
    assert [o["id"] for o in stored] == ids
    assert stored[0]["device_message_id"] == "msg-77" and stored[1]["comparator"] == ">"
    with pytest.raises(NotFoundError, match="encounter 999"):
        store.add_observations(db, 999, [], actor="gateway", reason="x")


def test_users_and_tokens(db: Database) -> None:
    users.create_user(db, "li", "$argon2id$v=19$...", "clinician", language="zh")
    with pytest.raises(ConflictError, match="already exists"):
        users.create_user(db, "li", "x", "nurse")
    with pytest.raises(UserInputError, match='role "boss"'):
        users.create_user(db, "wang", "x", "boss")
    assert users.get_user(db, "li")["language"] == "zh"  # type: ignore[index]
    assert [u["username"] for u in users.list_users(db)] == ["li"]
    digest = hashlib.sha256(b"secret-token").hexdigest()
    users.create_token(db, digest, "li", "tablet")
    found = users.find_token(db, digest)
    assert found is not None and found["role"] == "clinician"
    users.set_disabled(db, "li", True, actor="admin")
    assert users.find_token(db, digest) is None
    users.set_disabled(db, "li", False, actor="admin")
    users.revoke_token(db, digest, actor="admin")
    assert users.find_token(db, digest) is None
    with pytest.raises(UserInputError, match="64 lowercase hex"):
        users.create_token(db, "plain", "li", "x")


def test_a_tokens_use_is_not_noted_while_another_writer_holds_the_log(tmp_path: Path) -> None:
    """The service's event loop notes a token's use: while another writer holds the log, the note
    is skipped at once (``False``, nothing written) where it waited ``busy_timeout`` per try and
    then raised ``DatabaseBusyError``; the connection's busy timeout is left as it was, and once the
    log is free the use is noted."""
    path = tmp_path / "clinic.db"
    db = connect(path, busy_timeout_ms=100)
    users.create_user(db, "li", "$argon2id$v=19$...", "clinician")
    digest = hashlib.sha256(b"secret-token").hexdigest()
    users.create_token(db, digest, "li", "tablet")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a backup, a migration, the CLI
    try:
        noted = users.touch_token(
            db, digest, "2026-05-01T08:30:00.000+00:00", "2026-05-01T08:29:00.000+00:00"
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert noted is False and not db.conn.in_transaction
    assert users.find_token(db, digest)["last_used_at"] is None  # type: ignore[index]
    assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 100
    assert users.touch_token(db, digest, "2026-05-01T08:31:00.000+00:00", "2026-05-01T08:30:00.000+00:00")
    assert users.find_token(db, digest)["last_used_at"] == "2026-05-01T08:31:00.000+00:00"  # type: ignore[index]

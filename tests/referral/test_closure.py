"""Closing an encounter on a real SQLite file: one audited transaction that ends the device
associations, refuses later work on the visit and leaves its referrals alone."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import associations, audit, closure, referrals, store
from referral.errors import ConflictError, NotFoundError, ReferralNotMadeError, UserInputError
from referral.inbox import results_for_device
from referral.migrations import MIGRATIONS
from referral.records import ObservationIn, OverrideIn, ReferralIn
from referral.schema import apply_migrations, connect

from .conftest import assessment_in, visit
from .test_associations import OXIMETER, reading, send

MONITOR = "bedside-monitor-2"


def test_close_ends_the_associations_and_a_later_result_is_held(db: Database) -> None:
    encounter = int(visit(db, mrn="MRN-1")["encounter_id"])
    oximeter = associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    monitor = associations.associate(db, MONITOR, encounter, actor="nurse_wang")
    send(db, reading("SPO2", 93, at="t1"))

    closed = closure.close(
        db, encounter, actor="nurse_li", reason="  discharged home  ", without_referral=True
    )

    row = closed.encounter
    assert (row["closed_by"], row["close_reason"]) == ("nurse_li", "discharged home")
    assert [a.id for a in closed.ended] == [oximeter.id, monitor.id]
    for ended in closed.ended:
        assert (ended.end_reason, ended.ended_by, ended.ended_at) == (
            "encounter_closed",
            "nurse_li",
            row["closed_at"],
        )
    assert associations.list_active(db) == []
    assert [a.id for a in closure.ended_by_close(db, encounter)] == [oximeter.id, monitor.id]

    send(db, reading("SPO2", 88, at="t2"))
    by_time = {r.result_time: r for r in results_for_device(db, OXIMETER)}
    assert by_time["t1"].patient_id == "MRN-1", "linked while the visit was open"
    assert by_time["t2"].patient_id is None and "patient_link" not in by_time["t2"].details, (
        "after the close the oximeter's reading is held for review, not linked to the patient"
    )
    with pytest.raises(
        NotFoundError, match=rf"ended when encounter {encounter} was closed at .* by nurse_li"
    ):
        associations.end(db, OXIMETER, actor="nurse_wang", reason="done")


def test_close_is_audited_in_order_and_the_chain_holds(db: Database) -> None:
    encounter = int(visit(db, mrn="MRN-1")["encounter_id"])
    attached = associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    closure.close(db, encounter, actor="nurse_li", reason="went home", without_referral=True)
    closed = [e for e in audit.entries_for(db, "encounter", encounter) if e["action"] == "encounter.closed"]
    assert len(closed) == 1
    assert (closed[0]["actor"], closed[0]["reason"]) == ("nurse_li", "went home")
    assert closed[0]["data"]["ended_associations"] == [attached.id]
    assert closed[0]["data"]["devices"] == [OXIMETER]
    ends = [
        e for e in audit.entries_for(db, "device_association", attached.id) if e["action"].endswith(".end")
    ]
    assert [(e["actor"], e["reason"]) for e in ends] == [("nurse_li", "encounter_closed")]
    assert ends[0]["seq"] < closed[0]["seq"]
    assert audit.verify(db).ok


def test_unknown_and_already_closed_are_refused_and_write_nothing(db: Database) -> None:
    with pytest.raises(NotFoundError, match="cannot close encounter 999: not found"):
        closure.close(db, 999, actor="nurse_li", reason="went home")
    encounter = int(visit(db)["encounter_id"])
    closure.close(db, encounter, actor="nurse_li", reason="went home", without_referral=True)
    entries = db.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(
        ConflictError, match=rf"encounter {encounter} is already closed at .* UTC by nurse_li \(went home\)"
    ):
        closure.close(db, encounter, actor="dr_wu", reason="again")
    assert db.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == entries
    assert store.get_encounter(db, encounter)["closed_by"] == "nurse_li"


@pytest.mark.parametrize(
    ("actor", "reason", "problem"),
    [
        ("nurse_li", "   ", '"reason" is empty'),
        ("nurse_li", "x" * 501, '"reason" is 501 characters; at most 500'),
        (" ", "went home", '"actor" is empty'),
    ],
)
def test_bad_input_says_what(db: Database, actor: str, reason: str, problem: str) -> None:
    encounter = int(visit(db)["encounter_id"])
    with pytest.raises(UserInputError, match=rf"closing encounter {encounter}: {problem}"):
        closure.close(db, encounter, actor=actor, reason=reason)
    assert store.get_encounter(db, encounter)["closed_at"] is None


def test_a_closed_encounter_takes_no_new_work(db: Database) -> None:
    first = visit(db, mrn="MRN-1")
    encounter = int(first["encounter_id"])
    keyed = store.record_assessment(
        db, encounter, assessment_in(idempotency_key="k-1"), actor="engine", reason="triage"
    )
    closure.close(db, encounter, actor="nurse_li", reason="went home", without_referral=True)
    refused = rf"encounter {encounter} was closed at .* UTC by nurse_li \(went home\); open a new encounter"
    with pytest.raises(ConflictError, match=rf"a new assessment: {refused}"):
        store.record_assessment(db, encounter, assessment_in(), actor="engine", reason="triage")
    with pytest.raises(ConflictError, match=rf"new readings: {refused}"):
        store.add_observations(
            db,
            encounter,
            [ObservationIn(code="spo2", value_num=95, unit="%", observed_at="2026-05-01T10:00:00+08:00")],
            actor="nurse_li",
            reason="manual entry",
        )
    with pytest.raises(ConflictError, match=rf'cannot attach device "{OXIMETER}": {refused}'):
        associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    again = store.record_assessment(
        db, encounter, assessment_in(idempotency_key="k-1"), actor="engine", reason="triage"
    )
    assert again["id"] == keyed["id"], "a repeated request still gets its stored assessment"
    corrected = store.record_assessment(
        db, encounter, assessment_in(), actor="device-gateway", reason="device correction", after_close=True
    )
    assert corrected["encounter_id"] == encounter, "a device correction's re-assessment is still recorded"
    assert store.latest_encounter_on(db, int(store.get_encounter(db, encounter)["patient_id"]), "2026-05-01")
    assert (
        store.latest_encounter_on(
            db, int(store.get_encounter(db, encounter)["patient_id"]), "2026-05-01", open_only=True
        )
        is None
    )


def test_referrals_of_the_encounter_are_not_touched(db: Database) -> None:
    assessment = visit(db, mrn="MRN-1")
    referral = referrals.create_referral(
        db,
        ReferralIn(
            assessment_id=int(assessment["id"]), to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90 %"
        ),
        actor="dr_li",
    )
    referral = referrals.transition(db, int(referral["id"]), "sent", actor="dr_li")
    closure.close(db, int(assessment["encounter_id"]), actor="nurse_li", reason="transferred")
    after = db.conn.execute(
        "SELECT status, updated_at FROM referrals WHERE id = ?", [referral["id"]]
    ).fetchone()
    assert after == ("sent", referral["updated_at"])
    moved = referrals.transition(db, int(referral["id"]), "accepted", actor="county-hospital")
    assert moved["status"] == "accepted", "the referral goes on through its lifecycle after the visit"


def test_a_visit_whose_decision_sends_the_patient_on_closes_without_a_referral_only_when_confirmed(
    db: Database,
) -> None:
    # urgent referral decided, none made: a nurse closing the visit is stopped, nothing written
    assessment = visit(db, mrn="MRN-1")
    encounter = int(assessment["encounter_id"])
    entries = len(list(db["audit"].rows))
    with pytest.raises(
        ReferralNotMadeError, match="the decision is urgent_referral and no referral was made"
    ):
        closure.close(db, encounter, actor="nurse_li", reason="went home")
    assert store.get_encounter(db, encounter)["closed_at"] is None
    assert len(list(db["audit"].rows)) == entries
    # a cancelled referral is no referral made
    made = referrals.create_referral(
        db,
        ReferralIn(
            assessment_id=int(assessment["id"]), to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90 %"
        ),
        actor="dr_li",
    )
    referrals.transition(db, int(made["id"]), "cancelled", actor="dr_li", note="patient refused")
    assert closure.unreferred_decision(db, encounter) == "urgent_referral"
    # confirmed: closed, and the audit entry keeps the decision it was closed without
    closure.close(db, encounter, actor="nurse_li", reason="patient refused transfer", without_referral=True)
    (entry,) = [e for e in db["audit"].rows_where("action = ?", ["encounter.closed"])]
    assert json.loads(entry["data"])["without_referral"] == "urgent_referral"
    # each kind of decision: the referring ones ask, local care and insufficient data do not;
    # a clinician's override to local care counts, and so does a referral made
    for n, (disposition, asks) in enumerate(
        [
            ("emergency_transfer", True),
            ("routine_referral", True),
            ("local_care", False),
            ("insufficient_data", False),
        ]
    ):
        other = visit(db, mrn=f"MRN-K{n}", disposition=disposition)
        assert (closure.unreferred_decision(db, int(other["encounter_id"])) is not None) == asks, disposition
    overridden = visit(db, mrn="MRN-O")
    store.override_assessment(
        db,
        int(overridden["id"]),
        OverrideIn(clinician="dr_li", disposition="local_care", reason="seen, well"),
    )
    closure.close(db, int(overridden["encounter_id"]), actor="nurse_li", reason="went home")
    referred = visit(db, mrn="MRN-R")
    proposed = referrals.create_referral(
        db,
        ReferralIn(
            assessment_id=int(referred["id"]), to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90 %"
        ),
        actor="dr_li",
    )
    # only proposed, not sent: it refers nobody yet
    assert closure.unreferred_decision(db, int(referred["encounter_id"])) == "urgent_referral"
    referrals.transition(db, int(proposed["id"]), "sent", actor="dr_li")
    closure.close(db, int(referred["encounter_id"]), actor="nurse_li", reason="transferred")


def test_the_schema_keeps_a_close_once_and_whole(db: Database) -> None:
    encounter = int(visit(db)["encounter_id"])
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute("UPDATE encounters SET closed_at = '2026-05-01T10:00:00+00:00' WHERE id = ?", [encounter])
    closure.close(db, encounter, actor="nurse_li", reason="went home", without_referral=True)
    with pytest.raises(sqlite3.IntegrityError, match="a closed encounter stays closed"):
        db.execute(
            "UPDATE encounters SET closed_at = NULL, closed_by = NULL, close_reason = NULL WHERE id = ?",
            [encounter],
        )


def test_the_migration_keeps_existing_encounters_open(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    MIGRATIONS.apply(db, stop_before="0014_encounter_close")
    db.execute(
        "INSERT INTO patients (mrn, sex, pseudo_id, created_at) VALUES ('MRN-9', 'female', 'p9', '2026-05-01')"
    )
    db.execute(
        "INSERT INTO encounters (patient_id, started_at, day, created_by)"
        " VALUES (1, '2026-05-01T09:00:00+08:00', '2026-05-01', 'nurse1')"
    )
    assert apply_migrations(db)[0] == "0014_encounter_close"  # then any later ones
    row = (
        connect(tmp_path / "old.db")
        .conn.execute("SELECT closed_at, closed_by, close_reason FROM encounters")
        .fetchone()
    )
    assert row == (None, None, None)

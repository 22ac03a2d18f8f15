"""Device associations on a real SQLite file: lifecycle, conflicts, audit, linking of results."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from referral import associations, audit, facilities, review
from referral.errors import ConflictError, NotFoundError, UserInputError
from referral.inbox import NewDeviceMessage, NewDeviceResult, record_message, results_for_device
from referral.migrations import MIGRATIONS
from referral.schema import apply_migrations, connect

from .conftest import visit

OXIMETER = "bedside-oximeter-1"


def encounter_of(db: Database, mrn: str) -> int:
    return int(visit(db, mrn=mrn)["encounter_id"])


def audit_actions(db: Database) -> list[str]:
    return [
        r[0] for r in db.conn.execute("SELECT action FROM audit WHERE entity LIKE 'device_%' ORDER BY seq")
    ]


def reading(
    vendor: str, value: float, *, patient_id: str | None = None, qc: bool = False, at: str = "t1"
) -> NewDeviceResult:
    return NewDeviceResult(
        device_id=OXIMETER,
        sample_id="",
        vendor_code=vendor,
        result_time=at,
        status="final",
        is_qc=qc,
        patient_id=patient_id,
        code={"SPO2": "spo2", "HR": "heart_rate"}[vendor],
        value=str(value),
        value_num=value,
        unit="%" if vendor == "SPO2" else "/min",
    )


def send(db: Database, *results: NewDeviceResult, received_at: str | None = None) -> None:
    message = NewDeviceMessage(
        device_id=OXIMETER,
        session_id="s1",
        protocol="line",
        raw=b"SPO2=097",
        received_at=received_at or datetime.now(UTC).isoformat(timespec="microseconds"),
    )
    record_message(db, message, results)


def test_lifecycle_is_audited_and_history_kept(db: Database) -> None:
    encounter = encounter_of(db, "MRN-1")
    started = associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    assert started.active and started.encounter_id == encounter and started.mrn == "MRN-1"
    assert associations.active_for_device(db, OXIMETER) == started
    assert [a.id for a in associations.list_active(db)] == [started.id]
    assert [a.id for a in associations.for_encounter(db, encounter)] == [started.id]
    ended = associations.end(db, OXIMETER, actor="nurse_wang", reason="patient left the bay")
    assert not ended.active and ended.end_reason == "patient left the bay" and ended.ended_by == "nurse_wang"
    assert associations.active_for_device(db, OXIMETER) is None
    assert associations.list_active(db) == []
    assert [a.id for a in associations.history(db, OXIMETER)] == [started.id]
    entries = audit.entries_for(db, "device_association", started.id)
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("device_association.start", "nurse_wang"),
        ("device_association.end", "nurse_wang"),
    ]
    assert entries[1]["reason"] == "patient left the bay"
    assert audit.verify(db).ok


def test_unknown_encounter_is_not_found_and_writes_nothing(db: Database) -> None:
    with pytest.raises(NotFoundError, match="encounter 999 not found"):
        associations.associate(db, OXIMETER, 999, actor="nurse_wang")
    assert db.conn.execute("SELECT count(*) FROM device_associations").fetchone()[0] == 0
    assert audit_actions(db) == []


def test_second_encounter_conflicts_unless_replaced(db: Database) -> None:
    first = associations.associate(db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang")
    second_encounter = encounter_of(db, "MRN-2")
    with pytest.raises(ConflictError, match=rf"already attached to encounter {first.encounter_id}"):
        associations.associate(db, OXIMETER, second_encounter, actor="nurse_li")
    assert associations.active_for_device(db, OXIMETER) == first
    second = associations.associate(db, OXIMETER, second_encounter, actor="nurse_li", replace_existing=True)
    old = associations.get(db, first.id)
    assert old.end_reason == "replaced" and old.ended_by == "nurse_li" and old.ended_at == second.started_at
    assert associations.active_for_device(db, OXIMETER) == second
    assert audit_actions(db) == [
        "device_association.start",
        "device_association.end",
        "device_association.start",
    ]


def test_repeating_the_same_attach_is_harmless(db: Database) -> None:
    encounter = encounter_of(db, "MRN-1")
    first = associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    again = associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    assert again == first
    assert audit_actions(db) == ["device_association.start"]


def test_bad_input_says_what(db: Database) -> None:
    encounter = encounter_of(db, "MRN-1")
    with pytest.raises(UserInputError, match='device id "oxi meter"'):
        associations.associate(db, "oxi meter", encounter, actor="nurse_wang")
    with pytest.raises(UserInputError, match='"actor" is empty'):
        associations.associate(db, OXIMETER, encounter, actor=" ")
    with pytest.raises(NotFoundError, match="not attached to any encounter"):
        associations.end(db, OXIMETER, actor="nurse_wang", reason="done")
    associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    with pytest.raises(UserInputError, match='"reason" is empty'):
        associations.end(db, OXIMETER, actor="nurse_wang", reason="  ")
    assert associations.active_for_device(db, OXIMETER) is not None


def test_the_schema_allows_one_active_association_per_device(db: Database) -> None:
    first = associations.associate(db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(
            "INSERT INTO device_associations"
            " (device_id, encounter_id, patient_id, started_at, started_by, expires_at)"
            " VALUES (?, ?, ?, ?, 'x', ?)",
            [OXIMETER, first.encounter_id, first.patient_id, associations.utc_now(), first.expires_at],
        )
    with pytest.raises(sqlite3.IntegrityError, match="expires_at IS NOT NULL"):
        db.execute(
            "INSERT INTO device_associations (device_id, encounter_id, patient_id, started_at, started_by)"
            " VALUES ('other-oximeter', ?, ?, ?, 'x')",
            [first.encounter_id, first.patient_id, associations.utc_now()],
        )


def test_unlabelled_results_are_linked_with_provenance_and_audit(db: Database) -> None:
    association = associations.associate(db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang")
    send(db, reading("SPO2", 91), reading("HR", 104))
    stored = results_for_device(db, OXIMETER)
    assert [r.patient_id for r in stored] == ["MRN-1", "MRN-1"]
    link = stored[0].details["patient_link"]
    assert link["association_id"] == association.id and link["encounter_id"] == association.encounter_id
    assert link["note"] == f"patient linked by device association #{association.id}, started by nurse_wang"
    entries = [
        e
        for e in audit.entries_for(db, "device_association", association.id)
        if e["action"] == "device_result.link"
    ]
    assert len(entries) == 1 and entries[0]["data"]["result_ids"] == [r.id for r in stored]
    assert audit.verify(db).ok


def test_own_patient_id_and_qc_are_never_relinked(db: Database) -> None:
    associations.associate(db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang")
    # One message mixing a result with its own patient id, a QC result and an unlabelled one.
    send(db, reading("SPO2", 95, patient_id="MRN-7"), reading("HR", 70, qc=True), reading("HR", 88, at="t2"))
    stored = {(r.vendor_code, r.result_time): r for r in results_for_device(db, OXIMETER)}
    own, qc, unlabelled = stored[("SPO2", "t1")], stored[("HR", "t1")], stored[("HR", "t2")]
    assert own.patient_id == "MRN-7" and "patient_link" not in own.details
    assert qc.patient_id is None and "patient_link" not in qc.details
    assert unlabelled.patient_id == "MRN-1" and "patient_link" in unlabelled.details
    links = [e for e in audit.entries_for(db, "device_association", 1) if e["action"] == "device_result.link"]
    assert [e["data"]["result_ids"] for e in links] == [[unlabelled.id]]


def test_only_the_association_in_force_at_receipt_links(db: Database) -> None:
    before = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    send(db, reading("SPO2", 90, at="t0"))  # already in the inbox: stays unlinked
    association = associations.associate(db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang")
    send(db, reading("SPO2", 89, at="t1"), received_at=before)  # received before it started
    send(db, reading("SPO2", 88, at="t2"))
    associations.end(db, OXIMETER, actor="nurse_wang", reason="moved to the next bed")
    send(db, reading("SPO2", 87, at="t3"))
    stored = results_for_device(db, OXIMETER)
    assert {r.result_time: r.patient_id for r in stored} == {
        "t0": None,
        "t1": None,
        "t2": "MRN-1",
        "t3": None,
    }
    links = [
        e
        for e in audit.entries_for(db, "device_association", association.id)
        if e["action"] == "device_result.link"
    ]
    assert [e["data"]["result_ids"] for e in links] == [[r.id for r in stored if r.result_time == "t2"]]


DEVICES = ("oxi-a", "oxi-b")
Op = tuple[str, int, int]  # (action, device index, encounter index)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["attach", "replace", "end", "send", "send_own"]),
            st.integers(0, 1),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_linking_follows_the_association_in_force(
    tmp_path_factory: pytest.TempPathFactory, ops: list[Op]
) -> None:
    """Model check: every stored result carries the patient of the association in force when it was
    received (or its own id, or none), whatever the order of attach/replace/end/send."""
    db = connect(tmp_path_factory.mktemp("model") / "clinic.db")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    encounters = [encounter_of(db, f"MRN-{i}") for i in range(3)]
    active: dict[str, int] = {}  # device -> encounter index (the model)
    expected: list[str | None] = []
    for n, (action, d, e) in enumerate(ops):
        device = DEVICES[d]
        if action in ("attach", "replace"):
            try:
                associations.associate(
                    db, device, encounters[e], actor="nurse", replace_existing=action == "replace"
                )
            except ConflictError:
                assert action == "attach" and device in active and active[device] != e
                continue
            active[device] = e
        elif action == "end":
            try:
                associations.end(db, device, actor="nurse", reason="done")
            except NotFoundError:
                assert device not in active
                continue
            del active[device]
        else:
            own = "MRN-OWN" if action == "send_own" else None
            result = NewDeviceResult(
                device_id=device,
                sample_id="",
                vendor_code="SPO2",
                result_time=f"t{n}",
                status="final",
                is_qc=False,
                patient_id=own,
                code="spo2",
                value="95",
                value_num=95.0,
                unit="%",
            )
            message = NewDeviceMessage(
                device_id=device,
                session_id="s",
                protocol="line",
                raw=b"SPO2=095",
                received_at=datetime.now(UTC).isoformat(timespec="microseconds"),
            )
            record_message(db, message, [result])
            expected.append(own or (f"MRN-{active[device]}" if device in active else None))
    stored = [row[0] for row in db.conn.execute("SELECT patient_id FROM device_results ORDER BY id")]
    assert stored == expected
    assert audit.verify(db).ok
    db.close()


# --- expiry -------------------------------------------------------------------------------------


def shifted(at: str, **delta: float) -> str:
    return (datetime.fromisoformat(at) + timedelta(**delta)).isoformat(timespec="microseconds")


def age(db: Database, association_id: int, hours: float) -> associations.Association:
    """Move an association ``hours`` into the past (as if attached that long ago)."""
    row = associations.get(db, association_id)
    db.execute(
        "UPDATE device_associations SET started_at = ?, expires_at = ? WHERE id = ?",
        [shifted(row.started_at, hours=-hours), shifted(str(row.expires_at), hours=-hours), association_id],
    )
    db.conn.commit()
    return associations.get(db, association_id)


def test_expiry_is_started_at_plus_the_maximum_and_the_maximum_is_bounded(db: Database) -> None:
    encounter = encounter_of(db, "MRN-1")
    default = associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    assert default.expires_at == shifted(default.started_at, hours=12)
    start = audit.entries_for(db, "device_association", default.id)[0]
    assert start["data"]["expires_at"] == default.expires_at
    for wrong in (timedelta(seconds=59), timedelta(days=7, seconds=1)):
        with pytest.raises(UserInputError, match=r"device_associations\.max_duration_s"):
            associations.associate(db, "oxi-2", encounter, actor="nurse_wang", max_duration=wrong)
    for edge in (timedelta(minutes=1), timedelta(days=7)):
        a = associations.associate(
            db, f"oxi-{edge.total_seconds():.0f}", encounter, actor="n", max_duration=edge
        )
        assert a.expires_at == shifted(a.started_at, seconds=edge.total_seconds())


def test_results_at_the_expiry_are_held_and_the_end_is_written_with_them(db: Database) -> None:
    association = associations.associate(
        db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang", max_duration=timedelta(minutes=1)
    )
    expires = str(association.expires_at)
    # Exactly at the expiry: not linked; the association is ended in the storing transaction.
    send(db, reading("SPO2", 91, at="t-expiry"), received_at=expires)
    ended = associations.get(db, association.id)
    assert (ended.ended_at, ended.ended_by, ended.end_reason) == (expires, "system", "expired")
    # Just before the expiry (received then, stored now): still linked - receipt time decides.
    send(db, reading("SPO2", 92, at="t-before"), received_at=shifted(expires, microseconds=-1))
    stored = {r.result_time: r for r in results_for_device(db, OXIMETER)}
    assert stored["t-before"].patient_id == "MRN-1"
    assert stored["t-before"].details["patient_link"]["association_id"] == association.id
    held = stored["t-expiry"]
    assert held.patient_id is None and "patient_link" not in held.details
    assert held.details["association_expired"] == {"association_id": association.id, "expired_at": expires}
    entries = audit.entries_for(db, "device_association", association.id)
    assert [(e["action"], e["actor"], e["reason"]) for e in entries] == [
        ("device_association.start", "nurse_wang", "device attached to the patient"),
        ("device_association.end", "system", "expired"),
        ("device_result.link", "device-gateway", association.note),
    ]
    assert entries[1]["data"]["ended_at"] == expires and entries[1]["data"]["noticed_at"] >= expires
    assert audit.verify(db).ok

    worklist = {h.result.result_time: h.as_dict() for h in review.held_results(db)}
    assert list(worklist) == ["t-expiry"]
    assert worklist["t-expiry"]["why"] == ["no_patient_link"]
    assert worklist["t-expiry"]["why_text"] == [
        f"no patient link: device association #{association.id} expired at {expires[:10]} {expires[11:19]} UTC"
    ]


def test_nothing_links_after_the_expiry_even_before_the_end_is_written(db: Database) -> None:
    association = associations.associate(
        db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang", max_duration=timedelta(minutes=1)
    )
    expires = str(association.expires_at)
    assert associations.active_at(db, OXIMETER, shifted(expires, microseconds=-1)) == association
    assert associations.active_at(db, OXIMETER, expires) is None
    assert associations.active_at(db, OXIMETER, shifted(expires, days=3)) is None
    assert associations.get(db, association.id).active, "reading wrote nothing"
    assert associations.expired_at(db, OXIMETER, expires) == association
    assert associations.expired_at(db, OXIMETER, shifted(expires, microseconds=-1)) is None


def test_a_detached_association_is_not_reported_as_expired(db: Database) -> None:
    association = associations.associate(
        db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang", max_duration=timedelta(minutes=1)
    )
    associations.end(db, OXIMETER, actor="nurse_wang", reason="patient left")
    send(db, reading("SPO2", 90), received_at=shifted(str(association.expires_at), seconds=1))
    (held,) = results_for_device(db, OXIMETER)
    assert held.patient_id is None and "association_expired" not in held.details
    assert associations.get(db, association.id).end_reason == "patient left"


def test_listing_ends_expired_associations_once(db: Database) -> None:
    stale = associations.associate(db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang")
    fresh = associations.associate(db, "oxi-2", encounter_of(db, "MRN-2"), actor="nurse_li")
    stale = age(db, stale.id, hours=13)
    assert associations.expire_due(db, now=shifted(str(stale.expires_at), microseconds=-1)) == []
    (ended,) = associations.expire_due(db)
    assert (ended.id, ended.end_reason, ended.ended_at) == (stale.id, "expired", stale.expires_at)
    assert [a.id for a in associations.list_active(db)] == [fresh.id]
    assert associations.expire_due(db) == [], "already ended: nothing written twice"
    assert audit_actions(db) == ["device_association.start"] * 2 + ["device_association.end"]
    assert [a.id for a in associations.list_all(db)] == [fresh.id, stale.id]


def test_attach_after_expiry_is_not_a_conflict_and_detach_says_it_expired(db: Database) -> None:
    first = associations.associate(db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang")
    first = age(db, first.id, hours=12)
    second = associations.associate(db, OXIMETER, encounter_of(db, "MRN-2"), actor="nurse_li")
    old = associations.get(db, first.id)
    assert (old.end_reason, old.ended_by, old.ended_at) == ("expired", "system", first.expires_at)
    assert associations.active_for_device(db, OXIMETER) == second
    age(db, second.id, hours=12)
    with pytest.raises(
        NotFoundError, match=rf"not attached to any encounter \(association #{second.id} expired at"
    ):
        associations.end(db, OXIMETER, actor="nurse_li", reason="done")
    assert associations.get(db, second.id).end_reason == "expired", "the expiry is kept, not rolled back"


def test_migration_gives_active_associations_the_default_expiry(tmp_path: Path) -> None:
    db = connect(tmp_path / "old.db", migrate=False)
    MIGRATIONS.apply(db, stop_before="0010_device_association_expiry")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    encounter = encounter_of(db, "MRN-1")
    started = "2026-05-01T01:00:00.000000+00:00"
    for device, ended in (("oxi-active", None), ("oxi-ended", "2026-05-04T01:00:00.000000+00:00")):
        db.execute(
            "INSERT INTO device_associations (device_id, encounter_id, patient_id, started_at, started_by,"
            " ended_at, ended_by, end_reason) SELECT ?, id, patient_id, ?, 'n', ?, ?, ? FROM encounters WHERE id = ?",
            [device, started, ended, ended and "n", ended and "done", encounter],
        )
    db.conn.commit()
    apply_migrations(db)
    active = associations.history(db, "oxi-active")[0]
    assert active.expires_at == "2026-05-01T13:00:00.000000+00:00" and active.active
    assert associations.history(db, "oxi-ended")[0].expires_at is None
    (expired,) = associations.expire_due(db)
    assert expired.device_id == "oxi-active" and expired.ended_at == active.expires_at

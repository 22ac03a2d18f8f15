"""Device associations on a real SQLite file: lifecycle, conflicts, audit, linking of results."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from referral import associations, audit, facilities
from referral.errors import ConflictError, NotFoundError, UserInputError
from referral.inbox import NewDeviceMessage, NewDeviceResult, record_message, results_for_device
from referral.schema import connect

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
    with pytest.raises(UserInputError, match="device id 'oxi meter'"):
        associations.associate(db, "oxi meter", encounter, actor="nurse_wang")
    with pytest.raises(UserInputError, match="'actor' is empty"):
        associations.associate(db, OXIMETER, encounter, actor=" ")
    with pytest.raises(NotFoundError, match="not attached to any encounter"):
        associations.end(db, OXIMETER, actor="nurse_wang", reason="done")
    associations.associate(db, OXIMETER, encounter, actor="nurse_wang")
    with pytest.raises(UserInputError, match="'reason' is empty"):
        associations.end(db, OXIMETER, actor="nurse_wang", reason="  ")
    assert associations.active_for_device(db, OXIMETER) is not None


def test_the_schema_allows_one_active_association_per_device(db: Database) -> None:
    first = associations.associate(db, OXIMETER, encounter_of(db, "MRN-1"), actor="nurse_wang")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(
            "INSERT INTO device_associations (device_id, encounter_id, patient_id, started_at, started_by)"
            " VALUES (?, ?, ?, ?, 'x')",
            [OXIMETER, first.encounter_id, first.patient_id, associations.utc_now()],
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

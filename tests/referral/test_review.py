"""The held device results worklist on a real SQLite file: listing, why held, assign, dismiss."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from devices.results import IGNORED
from referral import audit, review
from referral.errors import ConflictError, NotFoundError, UserInputError
from referral.inbox import NewDeviceMessage, NewDeviceResult, mark_delivered, record_message
from referral.records import ObservationIn
from referral.store import add_observations
from referral.transactions import write

from .conftest import visit

ANALYZER = "lab-analyzer"


def store_glucose(db: Database, encounter_id: int, result_id: int, *, actor: str, reason: str) -> list[int]:
    """The device result ``result_id`` stored as a glucose observation of the encounter."""
    observation = ObservationIn(
        code="glucose_fasting",
        value_num=6.1,
        unit="mmol/L",
        observed_at="2026-05-01T09:00:00+08:00",
        status="final",
        device=ANALYZER,
        device_message_id=f"inbox:{result_id}",
    )
    return add_observations(db, encounter_id, [observation], actor=actor, reason=reason)


def result(
    vendor: str,
    *,
    code: str | None = "glucose_fasting",
    status: str = "final",
    patient_id: str | None = None,
    qc: bool = False,
    sample: str = "S1",
) -> NewDeviceResult:
    return NewDeviceResult(
        device_id=ANALYZER,
        sample_id=sample,
        vendor_code=vendor,
        result_time="20260501090000",
        status=status,
        is_qc=qc,
        patient_id=patient_id,
        code=code,
        value="6.1",
        value_num=6.1,
        unit="mmol/L",
    )


def send(db: Database, *results: NewDeviceResult) -> list[int]:
    message = NewDeviceMessage(device_id=ANALYZER, session_id="s1", protocol="astm", raw=b"H|\\^&")
    stored = record_message(db, message, results).new_results
    mark_delivered(db, [r.id for r in stored])
    return [r.id for r in stored]


def held_ids(db: Database) -> dict[int, list[str]]:
    return {h.result.id: list(h.why) for h in review.held_results(db)}


def test_held_lists_why_and_never_qc_or_fed_results(db: Database) -> None:
    encounter_id = int(visit(db, mrn="MRN-1")["encounter_id"])
    unlinked, unmapped, preliminary, qc, fed, rejected = send(
        db,
        result("GLU", sample="A"),
        result("XYZ", code=None, sample="B"),
        result("GLU", status="preliminary", patient_id="MRN-1", sample="C"),
        result("GLU", qc=True, sample="D"),
        result("GLU", patient_id="MRN-1", sample="E"),
        result("GLU", patient_id="MRN-1", sample="F"),
    )
    store_glucose(db, encounter_id, fed, actor="device-gateway", reason="device result")
    assert held_ids(db) == {
        rejected: ["not_accepted"],
        preliminary: ["not_final"],
        unmapped: ["unmapped", "no_patient_link"],
        unlinked: ["no_patient_link"],
    }
    assert review.held_count(db) == {ANALYZER: 4}
    assert review.qc_counts(db) == {ANALYZER: 1}
    assert [h.result.id for h in review.held_results(db, limit=2, offset=1)] == [preliminary, unmapped]
    rows = {h.result.id: h.as_dict() for h in review.held_results(db)}
    assert rows[unmapped]["assignable"] is False and rows[unlinked]["assignable"] is True
    assert "not mapped to the vocabulary" in rows[unmapped]["why_text"][0]
    with pytest.raises(UserInputError, match="limit 0"):
        review.held_results(db, limit=0)
    assert qc not in held_ids(db)
    with pytest.raises(ConflictError, match="quality-control"):
        review.dismiss(db, qc, actor="nurse1", reason="QC")
    with pytest.raises(ConflictError, match=f"already stored as an observation of encounter {encounter_id}"):
        review.dismiss(db, fed, actor="nurse1", reason="duplicate")


def test_a_complete_result_in_flight_to_triage_is_not_listed(db: Database) -> None:
    message = NewDeviceMessage(device_id=ANALYZER, session_id="s1", protocol="astm", raw=b"H")
    stored = record_message(db, message, [result("GLU", patient_id="MRN-1")]).new_results
    assert held_ids(db) == {}, "undelivered and complete: the pipeline is about to feed it"
    mark_delivered(db, [stored[0].id])
    assert held_ids(db) == {stored[0].id: ["not_accepted"]}


def test_assign_records_review_and_audit_in_one_transaction(db: Database) -> None:
    encounter_id = int(visit(db, mrn="MRN-2")["encounter_id"])
    (result_id,) = send(db, result("GLU"))

    def work(db: Database) -> int:
        review.assign(db, result_id, encounter_id, actor="nurse1", reason="Mrs X's sample, label torn")
        ids = store_glucose(db, encounter_id, result_id, actor="nurse1", reason="held device result assigned")
        review.set_observation(db, result_id, ids[0], actor="nurse1")
        return ids[0]

    observation_id = write(db, work)
    done = review.get_review(db, result_id)
    assert done is not None and (done.state, done.encounter_id, done.observation_id) == (
        "assigned",
        encounter_id,
        observation_id,
    )
    assert done.reason == "Mrs X's sample, label torn" and done.reviewed_by == "nurse1"
    assert held_ids(db) == {}
    entries = audit.entries_for(db, "device_result", result_id)
    assert [(e["action"], e["actor"], e["data"].get("encounter_id")) for e in entries] == [
        ("device_result.assign", "nurse1", encounter_id),
        ("device_result.observation", "nurse1", None),
    ]
    assert entries[1]["data"] == {"observation_id": observation_id}
    assert entries[0]["data"]["why_held"] == ["no_patient_link"]
    with pytest.raises(ConflictError, match=f"already assigned to encounter {encounter_id} by nurse1"):
        review.assign(db, result_id, encounter_id, actor="nurse2", reason="again")
    with pytest.raises(ConflictError, match="already assigned"):
        review.dismiss(db, result_id, actor="nurse2", reason="again")
    assert audit.verify(db).ok


def test_a_failed_observation_rolls_the_review_back(db: Database) -> None:
    encounter_id = int(visit(db, mrn="MRN-3")["encounter_id"])
    (result_id,) = send(db, result("GLU"))

    def work(db: Database) -> None:
        review.assign(db, result_id, encounter_id, actor="nurse1", reason="hers")
        raise UserInputError("glucose_fasting: value rejected")

    with pytest.raises(UserInputError):
        write(db, work)
    assert review.get_review(db, result_id) is None and result_id in held_ids(db)
    assert audit.entries_for(db, "device_result", result_id) == []


def test_errors_say_what_and_where(db: Database) -> None:
    encounter_id = int(visit(db, mrn="MRN-4")["encounter_id"])
    other = int(visit(db, mrn="MRN-5")["encounter_id"])
    unmapped, preliminary, own_id, plain = send(
        db,
        result("XYZ", code=None, sample="A"),
        result("GLU", status="preliminary", sample="B"),
        result("GLU", patient_id="MRN-4", status="final", sample="C"),
        result("GLU", sample="D"),
    )
    with pytest.raises(UserInputError, match=r'"XYZ" is not mapped.*dismiss it'):
        review.assign(db, unmapped, encounter_id, actor="nurse1", reason="hers")
    with pytest.raises(UserInputError, match='status "preliminary" is not final'):
        review.assign(db, preliminary, encounter_id, actor="nurse1", reason="hers")
    with pytest.raises(NotFoundError, match="no such result"):
        review.assign(db, 99999, encounter_id, actor="nurse1", reason="hers")
    with pytest.raises(NotFoundError, match="encounter 4242 not found"):
        review.assign(db, plain, 4242, actor="nurse1", reason="hers")
    with pytest.raises(ConflictError, match="another patient's id"):
        review.assign(db, own_id, other, actor="nurse1", reason="hers")
    with pytest.raises(UserInputError, match='"reason" is empty'):
        review.dismiss(db, unmapped, actor="nurse1", reason="   ")
    with pytest.raises(NotFoundError):
        review.dismiss(db, 99999, actor="nurse1", reason="test strip")
    assert len(held_ids(db)) == 4, "nothing was recorded by the refused reviews"

    review.dismiss(db, unmapped, actor="nurse1", reason="test strip")
    review.dismiss(db, preliminary, actor="nurse1", reason="repeated later")
    assert set(held_ids(db)) == {own_id, plain}
    with pytest.raises(ConflictError, match="already dismissed by nurse1"):
        review.dismiss(db, unmapped, actor="nurse2", reason="again")
    actions = [e["action"] for e in audit.entries_for(db, "device_result", unmapped)]
    assert actions == ["device_result.dismiss"]


def test_the_schema_refuses_inconsistent_reviews(db: Database) -> None:
    (result_id,) = send(db, result("GLU"))
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO device_result_reviews (result_id, state, reviewed_by, reviewed_at, reason)"
            " VALUES (?, 'assigned', 'n', 't', 'r')",
            [result_id],
        )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO device_result_reviews (result_id, state, reviewed_by, reviewed_at, reason)"
            " VALUES (?, 'dismissed', 'n', 't', ' ')",
            [result_id],
        )


def test_a_final_result_replacing_a_dismissed_preliminary_one_is_held_again(db: Database) -> None:
    encounter_id = int(visit(db, mrn="MRN-6")["encounter_id"])
    (result_id,) = send(db, result("GLU", status="preliminary"))
    review.dismiss(db, result_id, actor="nurse1", reason="wait for the final result")
    assert held_ids(db) == {}
    (final_id,) = send(db, result("GLU", status="final"))
    assert final_id == result_id, "the final result replaces the stored preliminary row"
    assert held_ids(db) == {result_id: ["no_patient_link"]}
    review.assign(db, result_id, encounter_id, actor="nurse2", reason="hers, final now")
    done = review.get_review(db, result_id)
    assert done is not None and (done.state, done.reviewed_by) == ("assigned", "nurse2")
    entries = audit.entries_for(db, "device_result", result_id)
    actions = [e["action"] for e in entries]
    assert actions == ["device_result.dismiss", "device_result.replaced", "device_result.assign"]
    assert (
        entries[1]["data"]["from"]["status"] == "preliminary"
        and entries[1]["data"]["to"]["status"] == "final"
    )
    assert entries[2]["data"]["replaces"]["state"] == "dismissed"
    with pytest.raises(ConflictError, match="already assigned"):
        review.dismiss(db, result_id, actor="nurse1", reason="again")
    assert held_ids(db) == {}


def test_the_worklist_window_reads_only_recent_results_through_its_index(db: Database) -> None:
    old, recent = send(db, result("GLU", sample="OLD"), result("GLU", sample="NEW"))
    db.conn.execute(
        "UPDATE device_results SET received_at = ? WHERE id = ?", ["2026-01-01T08:00:00.000000+00:00", old]
    )
    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    db.conn.execute(
        "UPDATE device_results SET received_at = ? WHERE id = ?", ["2026-11-20T08:00:00.000000+00:00", recent]
    )
    month = review.held_since(30, now)
    assert [h.result.id for h in review.held_results(db, since=month)] == [recent]
    assert review.held_count(db, month) == {ANALYZER: 1}
    year = review.held_since(365, now)
    assert {h.result.id for h in review.held_results(db, since=year)} == {old, recent}
    assert review.held_count(db) == {ANALYZER: 2}, "no window: everything held"
    plan = " ".join(
        str(row[-1])
        for row in db.conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM device_results r WHERE r.received_at >= ?", [month]
        )
    )
    assert "device_results_received" in plan


def test_qc_counts_read_only_the_qc_rows_through_their_partial_index(db: Database) -> None:
    send(db, result("GLU", sample="P1"), result("GLU", sample="QC1", qc=True))
    assert review.qc_counts(db) == {ANALYZER: 1}
    plan = " ".join(str(row[-1]) for row in db.conn.execute("EXPLAIN QUERY PLAN " + review.QC_COUNTS))
    # 125 ms against 0.7 ms at 200,000 results (3% QC) without and with it (docs/service.md)
    assert "USING INDEX device_results_qc" in plan or "USING COVERING INDEX device_results_qc" in plan
    with pytest.raises(UserInputError, match="days 0"):
        review.held_since(0)


def test_a_code_the_profile_ignores_is_counted_apart_never_held(db: Database) -> None:
    """A result the gateway stored with the profile's ``ignored_by_profile`` flag (its vendor code
    is in ignored_codes) was listed as 'not mapped' for a nurse to review; it is counted apart.
    Only that whole flag counts, and only on a result without a vocabulary code."""
    assert review.IGNORED_FLAG == IGNORED, "referral's copy of the gateway's flag"
    ignored, preliminary, lookalike, mapped = send(
        db,
        dataclasses.replace(result("MCV", code=None, sample="A"), flags=f"N,{IGNORED}"),
        dataclasses.replace(result("RBC", code=None, status="preliminary", sample="B"), flags=IGNORED),
        dataclasses.replace(result("XYZ", code=None, sample="C"), flags=f"{IGNORED}_not"),
        dataclasses.replace(result("GLU", sample="D"), flags=IGNORED),
    )
    assert held_ids(db) == {mapped: ["no_patient_link"], lookalike: ["unmapped", "no_patient_link"]}
    assert review.held_count(db) == {ANALYZER: 2}
    assert review.ignored_counts(db) == {ANALYZER: 2}
    assert review.ignored_counts(db, review.held_since(1, datetime(2999, 1, 1, tzinfo=UTC))) == {}
    assert {r["id"] for r in db.query("SELECT id FROM device_results")} >= {ignored, preliminary}

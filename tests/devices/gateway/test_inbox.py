"""The device inbox: exactly-once results, quarantine with raw bytes, store-and-forward delivery."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from referral.errors import ConflictError
from referral.inbox import (
    NewDeviceMessage,
    NewDeviceResult,
    NewQuarantineItem,
    mark_delivered,
    quarantine_count,
    record_message,
    record_quarantine,
    results_for_device,
    undelivered_results,
)
from referral.schema import connect


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return connect(tmp_path / "clinic.db")


def _message(raw: bytes = b"\x05raw", device: str = "afinion") -> NewDeviceMessage:
    return NewDeviceMessage(
        device_id=device, session_id="s1", protocol="astm", raw=raw, parsed={"records": 3}
    )


def _result(
    sample: str = "S1", test: str = "HbA1c", when: str = "2026-11-25T08:00:00+08:00"
) -> NewDeviceResult:
    return NewDeviceResult(
        device_id="afinion",
        sample_id=sample,
        vendor_code=test,
        result_time=when,
        status="final",
        is_qc=False,
        code="hba1c",
        value="7.1",
        value_num=7.1,
        unit="%",
    )


def test_resent_message_is_stored_as_evidence_but_results_are_not_doubled(db: Database) -> None:
    first = record_message(db, _message(), [_result(), _result(test="GLU")])
    again = record_message(db, _message(), [_result(), _result(test="GLU")])
    assert len(first.new_results) == 2 and first.duplicate_count == 0
    assert again.new_results == () and again.duplicate_count == 2
    assert len(results_for_device(db, "afinion")) == 2
    assert db.execute("select count(*) from device_messages").fetchone()[0] == 2


def test_same_test_at_another_time_or_sample_is_a_new_result(db: Database) -> None:
    record_message(db, _message(), [_result()])
    later = record_message(db, _message(), [_result(when="2026-11-25T09:00:00+08:00"), _result(sample="S2")])
    assert len(later.new_results) == 2


def test_duplicate_inside_one_message_counts_once(db: Database) -> None:
    recorded = record_message(db, _message(), [_result(), _result()])
    assert len(recorded.new_results) == 1 and recorded.duplicate_count == 1


def test_raw_bytes_and_hash_are_kept(db: Database) -> None:
    raw = bytes(range(256))
    recorded = record_message(db, _message(raw), [_result()])
    row = db.execute(
        "select raw, sha256, parsed from device_messages where id = ?", [recorded.message_id]
    ).fetchone()
    assert row[0] == raw
    assert len(row[1]) == 64 and row[2] == '{"records": 3}'


def test_quarantine_keeps_raw_bytes_reason_and_offset(db: Database) -> None:
    qid = record_quarantine(db, _message(b"\xff\xfe garbage"), reason="undecodable_bytes", byte_offset=0)
    row = db.execute("select raw, reason, byte_offset from device_quarantine where id = ?", [qid]).fetchone()
    assert row == (b"\xff\xfe garbage", "undecodable_bytes", 0)
    state = db.execute("select state, reason from device_messages").fetchone()
    assert state == ("quarantined", "undecodable_bytes")


def test_parts_of_an_accepted_message_can_be_quarantined_in_the_same_transaction(db: Database) -> None:
    item = NewQuarantineItem(reason="unmapped_code", raw=b"R|2|^^^XYZ|1", byte_offset=40)
    record_message(db, _message(), [_result()], [item])
    assert quarantine_count(db, "afinion") == 1
    assert quarantine_count(db) == 1


def test_a_result_from_another_device_is_refused_and_nothing_is_written(db: Database) -> None:
    stray = NewDeviceResult(
        device_id="other", sample_id="S", vendor_code="X", result_time="t", status="final", is_qc=False
    )
    with pytest.raises(ConflictError, match="other"):
        record_message(db, _message(), [stray])
    assert db.execute("select count(*) from device_messages").fetchone()[0] == 0


def test_undelivered_results_survive_until_marked(db: Database, tmp_path: Path) -> None:
    recorded = record_message(db, _message(), [_result(), _result(test="GLU")])
    db.close()
    reopened = connect(tmp_path / "clinic.db")
    pending = undelivered_results(reopened)
    assert [r.id for r in pending] == [r.id for r in recorded.new_results]
    assert mark_delivered(reopened, [pending[0].id]) == 1
    assert mark_delivered(reopened, [pending[0].id]) == 0
    assert [r.id for r in undelivered_results(reopened)] == [pending[1].id]


def _with_status(status: str, value: str = "7.1") -> NewDeviceResult:
    base = _result()
    return NewDeviceResult(**{**base.__dict__, "status": status, "value": value})


def test_a_final_result_replaces_a_stored_preliminary_copy_and_is_delivered_again(db: Database) -> None:
    first = record_message(db, _message(), [_with_status("preliminary")])
    mark_delivered(db, [first.new_results[0].id])
    final = record_message(db, _message(), [_with_status("final")])
    assert [r.id for r in final.new_results] == [first.new_results[0].id]
    assert [(r.status, r.delivered_at) for r in results_for_device(db, "afinion")] == [("final", None)]
    assert record_message(db, _message(), [_with_status("preliminary")]).duplicate_count == 1
    assert results_for_device(db, "afinion")[0].status == "final"


def test_a_correction_replaces_the_value_once(db: Database) -> None:
    record_message(db, _message(), [_with_status("final", "7.1")])
    corrected = record_message(db, _message(), [_with_status("corrected", "6.9")])
    assert len(corrected.new_results) == 1
    assert record_message(db, _message(), [_with_status("corrected", "6.9")]).duplicate_count == 1
    rows = results_for_device(db, "afinion")
    assert [(r.status, r.value) for r in rows] == [("corrected", "6.9")]

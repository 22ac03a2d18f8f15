"""Why triage did not accept a held device result, kept as a code (migration
``0023_device_results_not_accepted_code``, ``referral.inbox.note_not_accepted``) on a real SQLite
file: the log allows only the codes, a new version of the result clears it, a log from before
migrates with NULL codes (the English sentence kept), and the worklist narrows to a reason by the
same rule that says why a result is held."""

from __future__ import annotations

import itertools
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from referral import audit, review
from referral.errors import UserInputError
from referral.inbox import NOT_ACCEPTED_CODES, NewDeviceResult, note_not_accepted
from referral.migrations import MIGRATIONS
from referral.schema import applied_migrations, connect

from .test_review import ANALYZER, result, send

MIGRATION = "0023_device_results_not_accepted_code"
SENTENCE = "glucose_random: value 600 mmol/L is outside the plausible range 0.5-60 mmol/L"


def glucose(sample: str, *, status: str = "final", **fields: Any) -> NewDeviceResult:
    """A random glucose of 600 mmol/L (``fields``: flags, code, patient_id, value)."""
    value = str(fields.pop("value", "600"))
    given = result("GLU", code="glucose_random", status=status, patient_id="MRN-1", sample=sample)
    return replace(given, value=value, value_num=float(value), **fields)


def code_of(db: Database, result_id: int) -> object:
    return db.execute("SELECT not_accepted_code FROM device_results WHERE id = ?", [result_id]).fetchone()[0]


def test_the_code_is_kept_and_audited_once_and_only_the_codes_are_allowed(db: Database) -> None:
    ids = send(db, *(glucose(f"S{n}") for n in range(len(NOT_ACCEPTED_CODES))))
    for result_id, code in zip(ids, NOT_ACCEPTED_CODES, strict=True):
        note_not_accepted(db, result_id, SENTENCE, code=code, actor="device-gateway")
        note_not_accepted(db, result_id, SENTENCE, code=code, actor="device-gateway")  # handed over again
        assert code_of(db, result_id) == code
    for result_id, code in zip(ids, NOT_ACCEPTED_CODES, strict=True):
        entries = audit.entries_for(db, "device_result", result_id)
        assert [(e["action"], e["reason"], e["data"]) for e in entries] == [
            ("device_result.not_accepted", SENTENCE, {"code": code})
        ]
    held = {h.result.id: h.as_dict() for h in review.held_results(db)}
    assert [held[i]["not_accepted_code"] for i in ids] == list(NOT_ACCEPTED_CODES)
    assert {held[i]["not_accepted"] for i in ids} == {SENTENCE}

    with pytest.raises(ValueError, match='not_accepted code "implausible" is not one of implausible_value'):
        note_not_accepted(db, ids[0], SENTENCE, code="implausible", actor="device-gateway")  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        db.conn.execute("UPDATE device_results SET not_accepted_code = 'implausible' WHERE id = ?", [ids[0]])
    assert code_of(db, ids[0]) == NOT_ACCEPTED_CODES[0]


def test_a_new_version_of_the_result_clears_the_code_with_the_sentence(db: Database) -> None:
    (result_id,) = send(db, glucose("S1"))
    note_not_accepted(db, result_id, SENTENCE, code="implausible_value", actor="device-gateway")
    (again,) = send(db, glucose("S1", value="6.1", status="corrected"))  # the device corrects it
    assert again == result_id
    assert code_of(db, result_id) is None
    (details,) = db.execute("SELECT details FROM device_results WHERE id = ?", [result_id]).fetchone()
    assert "not_accepted" not in json.loads(details)


def test_a_log_from_before_migrates_with_no_code_and_keeps_the_sentence(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before=MIGRATION)
    old.close()
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO device_messages (device_id, session_id, protocol, received_at, raw, sha256, state)"
        " VALUES (?, 's1', 'astm', '2026-05-01T01:00:00.000000+00:00', x'48', '', 'accepted')",
        [ANALYZER],
    )
    raw.execute(
        "INSERT INTO device_results (message_id, device_id, sample_id, vendor_code, result_time, patient_id,"
        " code, value, value_num, unit, status, is_qc, details, received_at, delivered_at) VALUES (1, ?, 'S1',"
        " 'GLU', '20260501090000', 'MRN-1', 'glucose_random', '600', 600.0, 'mmol/L', 'final', 0, ?,"
        " '2026-05-01T01:00:00.000000+00:00', '2026-05-01T01:00:01.000000+00:00')",
        [ANALYZER, json.dumps({"not_accepted": SENTENCE})],
    )
    raw.commit()
    raw.close()

    db = connect(path)  # migrates
    assert MIGRATION in applied_migrations(db)
    (held,) = review.held_results(db)
    assert held.as_dict()["not_accepted"] == SENTENCE
    assert held.as_dict()["not_accepted_code"] is None and held.why == ("not_accepted",)
    assert review.held_results(db, reason="implausible_value") == []
    assert [h.result.id for h in review.held_results(db, reason="not_accepted")] == [1]
    note_not_accepted(db, 1, SENTENCE, code="implausible_value", actor="device-gateway")  # noted again
    assert code_of(db, 1) == "implausible_value"


def test_the_worklist_narrowed_to_a_reason_holds_what_why_held_says(db: Database) -> None:
    """Every combination of the columns the whys come from: the SQL of ``?reason=`` and
    ``why_held`` agree, for the list and for the counts."""
    combinations = list(
        itertools.product(
            (None, "device_time_ahead", "device_time_old", "other_flag"),
            ("final", "preliminary", "C"),
            ("glucose_random", None),
            ("MRN-1", None, ""),
            # a unit its profile does not take; a value its scale cannot apply to
            ({}, {"problem": "unexpected_unit", "device_unit": "1"}, {"problem": "unscalable_value"}),
        )
    )
    ids = send(
        db,
        *(
            glucose(f"S{n}", flags=flags, status=status, code=code, patient_id=patient, details=details)
            for n, (flags, status, code, patient, details) in enumerate(combinations)
        ),
    )
    accepted = [h.result.id for h in review.held_results(db, limit=1000) if h.why == ("not_accepted",)]
    for result_id, code in zip(accepted, itertools.cycle(NOT_ACCEPTED_CODES)):
        note_not_accepted(db, result_id, SENTENCE, code=code, actor="device-gateway")
    every = review.held_results(db, limit=1000)
    assert len(every) == len(ids)
    for reason in review.REASONS:
        expected = [
            h.result.id for h in every if reason in h.why or h.as_dict()["not_accepted_code"] == reason
        ]
        narrowed = review.held_results(db, limit=1000, reason=reason)
        assert [h.result.id for h in narrowed] == expected, reason
        assert review.held_count(db, reason=reason) == ({ANALYZER: len(expected)} if expected else {}), reason
    assert all(
        review.held_results(db, limit=1000, reason=r) for r in review.REASONS if r != "correction_rejected"
    )
    with pytest.raises(
        UserInputError, match='reason "implausible" is not one of the codes: no_patient_link,'
    ):
        review.held_results(db, reason="implausible")

from __future__ import annotations

import pytest
from sqlite_utils import Database

from referral import referrals, store
from referral.errors import IdempotencyConflictError
from referral.records import EncounterIn, ReferralIn

from .conftest import assessment_in, visit


def test_same_assessment_key_is_stored_once(db: Database) -> None:
    first = visit(db, idempotency_key="assess-1")
    again = store.record_assessment(
        db, first["encounter_id"], assessment_in(idempotency_key="assess-1"), actor="engine", reason="retry"
    )
    assert again["id"] == first["id"]
    assert db.execute("SELECT count(*) FROM assessments").fetchone()[0] == 1


def test_reused_key_with_other_content_is_a_conflict(db: Database) -> None:
    first = visit(db, idempotency_key="assess-1")
    with pytest.raises(IdempotencyConflictError, match="assess-1"):
        store.record_assessment(
            db,
            first["encounter_id"],
            assessment_in(idempotency_key="assess-1", news2=9),
            actor="engine",
            reason="retry",
        )


def test_same_referral_key_is_stored_once_with_one_audit_entry(db: Database) -> None:
    assessment = visit(db)
    request = ReferralIn(
        assessment_id=assessment["id"],
        to_facility="ZJ-S01",
        urgency="urgent",
        reason="r",
        idempotency_key="ref-1",
    )
    ids = {referrals.create_referral(db, request, actor="dr")["id"] for _ in range(3)}
    assert len(ids) == 1
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'referral.create'").fetchone()[0] == 1


def test_same_encounter_key_is_stored_once(db: Database) -> None:
    visit(db)
    request = EncounterIn(
        patient_mrn="MRN-1",
        facility_id="ZJ-C01",
        started_at="2026-05-01T10:00:00+08:00",
        idempotency_key="enc-9",
    )
    first = store.open_encounter(db, request, actor="gw", reason="device")
    assert store.open_encounter(db, request, actor="gw", reason="device")["id"] == first["id"]

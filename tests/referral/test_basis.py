"""Storage of referral basis changes (``referral.basis``, migration 0013) on a real SQLite file;
the end-to-end behaviour with the device pipeline is ``tests/service/test_referral_basis.py``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from referral import basis, facilities, referrals
from referral.errors import ConflictError
from referral.migrations import MIGRATIONS
from referral.records import ReferralIn
from referral.schema import apply_migrations, connect

from .conftest import visit


def test_an_older_log_gains_the_table_and_its_referrals_carry_on(tmp_path: Path) -> None:
    db = connect(tmp_path / "old.db", migrate=False)
    MIGRATIONS.apply(db, stop_before="0013_referral_basis_changes")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    assessment = visit(db)
    ref = referrals.create_referral(
        db,
        ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90"),
        actor="dr_li",
    )
    db.conn.commit()
    assert "referral_basis_changes" not in db.table_names()
    assert apply_migrations(db)[0] == "0013_referral_basis_changes"  # then any later ones
    assert basis.for_referrals(db, [ref["id"]]) == {} and basis.open_for(db, ref["id"]) == []
    assert referrals.transition(db, ref["id"], "sent", actor="dr_li")["status"] == "sent"
    with pytest.raises(ConflictError, match="no corrected basis waiting for review"):
        basis.acknowledge(db, ref["id"], actor="dr_li", reason="fine")


@pytest.mark.parametrize(
    ("disposition", "urgency", "weaker"),
    [
        ("local_care", "urgent", True),
        ("routine_referral", "urgent", True),
        ("insufficient_data", "urgent", True),
        ("insufficient_data", "routine", False),
        ("urgent_referral", "urgent", False),
        ("emergency_transfer", "urgent", False),
        ("urgent_referral", "emergency", True),
        ("local_care", "routine", True),
    ],
)
def test_less_urgent_follows_the_queue_order(disposition: str, urgency: str, weaker: bool) -> None:
    assert basis.less_urgent(disposition, urgency) is weaker


def test_every_referral_that_may_transfer_is_flagged_after_arrival_for_information() -> None:
    assert basis.FLAGGED_STATUSES == ("proposed", "sent", "accepted", "arrived", "completed")
    assert basis.INFORMATIONAL_STATUSES == ("arrived", "completed")


def test_a_resolution_needs_who_when_and_why(tmp_path: Path) -> None:
    database = connect(tmp_path / "clinic.db")
    columns = "referral_id, encounter_id, correction_id, assessment_id, code, old_value, disposition,"
    columns += (
        " referral_urgency, referral_status, less_urgent, changed_at, resolution, resolved_at, resolved_by"
    )
    database.conn.execute("PRAGMA foreign_keys = OFF")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        database.conn.execute(
            f"INSERT INTO referral_basis_changes ({columns}) VALUES"
            " (1, 1, 1, 1, 'glucose_random', '28.0 mmol/L', 'local_care', 'urgent', 'proposed', 1,"
            " '2026-05-01T00:00:00+00:00', 'acknowledged', '2026-05-01T01:00:00+00:00', 'dr_li')"
        )

from __future__ import annotations

import itertools

import pytest
from sqlite_utils import Database

from referral import audit, lifecycle, referrals
from referral.errors import TransitionError, UserInputError
from referral.records import FeedbackIn, ReferralIn

from .conftest import visit

EXPECTED_ALLOWED = {
    ("proposed", "sent"),
    ("proposed", "cancelled"),
    ("sent", "accepted"),
    ("sent", "declined"),
    ("sent", "cancelled"),
    ("accepted", "arrived"),
    ("accepted", "cancelled"),
    ("arrived", "completed"),
}


@pytest.mark.parametrize("pair", list(itertools.product(lifecycle.STATUSES, repeat=2)))
def test_every_pair_of_statuses(pair: tuple[str, str]) -> None:
    current, target = pair
    if pair in EXPECTED_ALLOWED:
        lifecycle.check_transition(current, target)
    else:
        with pytest.raises(TransitionError, match=f"from '{current}' to '{target}'"):
            lifecycle.check_transition(current, target)


PATHS = {
    "completed": ["sent", "accepted", "arrived", "completed"],
    "declined": ["sent", "declined"],
    "cancelled_early": ["cancelled"],
    "cancelled_late": ["sent", "accepted", "cancelled"],
}


def _referral(db: Database, key: str | None = None) -> dict[str, object]:
    assessment = visit(db)
    return referrals.create_referral(
        db,
        ReferralIn(
            assessment_id=int(assessment["id"]),
            to_facility="ZJ-S01",
            urgency="urgent",
            reason="SpO2 90 %",
            idempotency_key=key,
        ),
        actor="dr_li",
    )


@pytest.mark.parametrize("name", list(PATHS))
def test_stored_lifecycle_paths_are_timestamped_and_audited(db: Database, name: str) -> None:
    referral = _referral(db)
    rid = int(str(referral["id"]))
    for target in PATHS[name]:
        feedback = FeedbackIn(justified=True, diagnosis="pneumonia") if target == "completed" else None
        note = "bed shortage" if target in ("declined", "cancelled") else None
        stored = referrals.transition(db, rid, target, actor="dr_li", note=note, feedback=feedback)
        assert stored["status"] == target
        assert stored[lifecycle.timestamp_column(target)] is not None
    assert [e["to_status"] for e in referrals.events(db, rid)] == ["proposed", *PATHS[name]]
    actions = [e["action"] for e in audit.entries_for(db, "referral", rid)]
    assert actions == ["referral.create", *(f"referral.{t}" for t in PATHS[name])]
    assert audit.verify(db).ok


def test_impossible_stored_transition_changes_nothing(db: Database) -> None:
    rid = int(str(_referral(db)["id"]))
    entries = audit.verify(db).entries
    with pytest.raises(TransitionError, match="from 'proposed' to 'arrived'"):
        referrals.transition(db, rid, "arrived", actor="dr_li")
    assert referrals.get_referral(db, rid)["status"] == "proposed"
    assert audit.verify(db).entries == entries


def test_completion_needs_feedback_and_decline_needs_note(db: Database) -> None:
    rid = int(str(_referral(db)["id"]))
    referrals.transition(db, rid, "sent", actor="dr_li")
    with pytest.raises(UserInputError, match="note saying why"):
        referrals.transition(db, rid, "declined", actor="hospital")
    for target in ("accepted", "arrived"):
        referrals.transition(db, rid, target, actor="hospital")
    with pytest.raises(UserInputError, match="feedback"):
        referrals.transition(db, rid, "completed", actor="hospital")
    done = referrals.transition(
        db, rid, "completed", actor="hospital", feedback=FeedbackIn(justified=False, note="mild")
    )
    assert done["justified"] is False and done["feedback"]["note"] == "mild"


def test_transition_time_cannot_go_backwards(db: Database) -> None:
    rid = int(str(_referral(db)["id"]))
    with pytest.raises(UserInputError, match="before the referral's last change"):
        referrals.transition(db, rid, "sent", actor="dr_li", at="2001-01-01T00:00:00+00:00")
    with pytest.raises(UserInputError, match="no UTC offset"):
        referrals.transition(db, rid, "sent", actor="dr_li", at="2099-01-01T00:00:00")

from __future__ import annotations

import itertools

import pytest
from sqlite_utils import Database

from referral import audit, lifecycle, referrals
from referral.errors import OpenReferralError, TransitionError, UserInputError
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
        with pytest.raises(TransitionError, match=f'from "{current}" to "{target}"'):
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
    with pytest.raises(TransitionError, match='from "proposed" to "arrived"'):
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


def test_open_statuses_are_the_ones_not_final_and_arrived_is_one() -> None:
    assert lifecycle.OPEN_STATUSES == ("proposed", "sent", "accepted", "arrived")
    assert set(lifecycle.OPEN_STATUSES) | lifecycle.FINAL == set(lifecycle.STATUSES)


#: Open until completed, declined or cancelled: the patient may still be at the receiving hospital.
STILL_OPEN = {"proposed", "sent", "accepted", "arrived"}
SECOND_AFTER = {
    "proposed": [],
    "sent": ["sent"],
    "accepted": ["sent", "accepted"],
    "arrived": ["sent", "accepted", "arrived"],
    "completed": ["sent", "accepted", "arrived", "completed"],
    "declined": ["sent", "declined"],
    "cancelled": ["cancelled"],
}


@pytest.mark.parametrize("status", list(SECOND_AFTER))
def test_a_second_referral_needs_confirmation_while_the_first_is_open(db: Database, status: str) -> None:
    """An arrived patient's referral is open until the receiving hospital completes it: a second
    referral for the visit is refused unless it says it is deliberate (``alongside_open``)."""
    first = _referral(db)
    rid = int(str(first["id"]))
    for target in SECOND_AFTER[status]:
        feedback = FeedbackIn(justified=True, diagnosis="pneumonia") if target == "completed" else None
        note = "bed shortage" if target in ("declined", "cancelled") else None
        referrals.transition(db, rid, target, actor="dr_li", note=note, feedback=feedback)
    encounter_id = int(str(first["encounter_id"]))
    assert [r["id"] for r in referrals.open_referrals(db, encounter_id)] == (
        [rid] if status in STILL_OPEN else []
    )
    second = ReferralIn(
        assessment_id=int(str(first["assessment_id"])),
        to_facility="ZJ-S01",
        urgency="routine",
        reason="follow-up",
    )
    if status in STILL_OPEN:
        with pytest.raises(OpenReferralError, match=rf"open referral #{rid} \({status}, urgent"):
            referrals.create_referral(db, second, actor="dr_li")
        made = referrals.create_referral(
            db, second.model_copy(update={"alongside_open": True}), actor="dr_li"
        )
        assert audit.entries_for(db, "referral", made["id"])[0]["data"]["alongside_open"] == [rid]
    else:
        assert referrals.create_referral(db, second, actor="dr_li")["status"] == "proposed"

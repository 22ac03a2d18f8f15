"""Random sequences of requested transitions against a stored referral (hypothesis)."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral import audit, facilities, lifecycle, referrals
from referral.errors import TransitionError
from referral.records import FeedbackIn, ReferralIn
from referral.schema import connect

from .conftest import visit


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(lifecycle.STATUSES), min_size=1, max_size=8))
def test_random_walks_follow_the_state_machine(requests: list[str]) -> None:
    with TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "c.db")
        facilities.load_csv(db, facilities.DEMO_CSV, actor="t")
        assessment = visit(db)
        rid = referrals.create_referral(
            db,
            ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="routine", reason="r"),
            actor="t",
        )["id"]
        status, path = "proposed", ["proposed"]
        for target in requests:
            allowed = target in lifecycle.ALLOWED[status]
            try:
                referrals.transition(
                    db,
                    rid,
                    target,
                    actor="t",
                    note="why",
                    feedback=FeedbackIn(justified=True) if target == "completed" else None,
                )
            except TransitionError:
                assert not allowed
            else:
                assert allowed
                status = target
                path.append(target)
        stored = referrals.get_referral(db, rid)
        assert stored["status"] == status
        assert [e["to_status"] for e in referrals.events(db, rid)] == path
        for reached in path:
            assert stored[lifecycle.timestamp_column(reached)] is not None
        assert audit.verify(db).ok

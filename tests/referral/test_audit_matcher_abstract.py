"""A matcher of the audit replay (:mod:`referral.audit_replay`) that does not say how it
matches cannot be made: before, it was made and raised ``NotImplementedError`` only when a row
was compared with it, in the middle of an administrator's ``verify-audit``."""

from __future__ import annotations

import pytest

from referral.audit_replay import NOT_HELD, PseudonymSecret, Revocation, _Matcher


def test_a_matcher_without_its_matches_fails_where_it_is_made() -> None:
    class Unsaid(_Matcher):
        shown = "something"

    with pytest.raises(TypeError, match="matches"):
        Unsaid()


def test_every_shipped_matcher_is_made_and_matches() -> None:
    assert Revocation(revoked=True) == "2026-05-01T09:00:00+00:00"
    assert Revocation(revoked=False) != "2026-05-01T09:00:00+00:00"
    assert PseudonymSecret(1, "MRN-1", "x") != "not hex"
    assert NOT_HELD == "anything"

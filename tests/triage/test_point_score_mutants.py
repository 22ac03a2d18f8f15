"""Point scores with an item missing, where each missing item counts its own published maximum
(one point each for qSOFA: Seymour 2016): a missing SBP could still reach the >=2 threshold from
1 point, and cannot from 0. Each case killed a mutant of the score's ``MAXIMUM`` table that the
other missing-item tests (tests/triage/test_incomplete_scores.py, which leave out RR and ACVPU)
let live."""

from __future__ import annotations

from triage.scores.qsofa import qsofa


def test_qsofa_missing_sbp_could_reach_2_from_1_point() -> None:
    result = qsofa(resp_rate=16.0, consciousness="V", sbp=None)
    assert (result.value, result.band, result.missing) == (1.0, "incomplete", ("sbp",))


def test_qsofa_missing_sbp_cannot_reach_2_from_0_points() -> None:
    result = qsofa(resp_rate=16.0, consciousness="A", sbp=None)
    assert (result.value, result.band, result.missing) == (0.0, "low", ("sbp",))

"""The blood-pressure grade from one pressure alone is that pressure's own grade (a lower bound;
the band says ``incomplete``): a normal diastolic with no systolic is grade index 0 ("normal"),
not "high normal". Killed the mutants of triage/scores/blood_pressure.py:198-199 (a missing
pressure counted as grade 1 instead of 0) that the blood-pressure tests let live."""

from __future__ import annotations

import pytest

from triage.scores.blood_pressure import blood_pressure


@pytest.mark.parametrize(("sbp", "dbp", "value"), [(None, 70.0, 0.0), (115.0, None, 0.0), (None, 85.0, 1.0)])
def test_one_pressure_alone_is_graded_by_itself(sbp: float | None, dbp: float | None, value: float) -> None:
    r = blood_pressure(sbp=sbp, dbp=dbp, age=50)
    assert (r.value, r.band, r.complete) == (value, "incomplete", False)

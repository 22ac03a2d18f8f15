"""The suite's Hypothesis profile (``tests/conftest.py``): a property test is never timed."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import HYPOTHESIS_PROFILE

paused: list[int] = []


@settings(max_examples=5, database=None)
@given(st.integers())
def test_an_example_the_machine_paused_is_not_a_failure(n: int) -> None:
    """The first example pauses for 0.3 s, as a process waiting for a CPU on a busy machine does,
    and the replay does not: with Hypothesis's default 200 ms deadline the test fails with
    "Flaky: Unreliable test timings"."""
    if not paused:
        paused.append(n)
        time.sleep(0.3)


def test_the_suite_profile_is_the_one_in_force() -> None:
    assert settings.default.deadline is None
    assert settings.get_profile(HYPOTHESIS_PROFILE).deadline is None

"""The suite's guard against tests that straddle a midnight (``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import MIDNIGHT_MARGIN_S, machine_zone, seconds_to_midnight, wait_past_midnight


@pytest.fixture
def machine_in_kathmandu() -> Iterator[None]:
    """The machine's zone at UTC+05:45, so that its midnight is none of Beijing's or UTC's."""
    with machine_zone("Asia/Kathmandu"):
        yield


def test_a_test_about_to_start_before_a_midnight_waits_until_it_has_passed(
    machine_in_kathmandu: None,
) -> None:
    beijing = datetime(2026, 12, 5, 15, 59, 45, tzinfo=UTC)  # 23:59:45 in Beijing
    assert wait_past_midnight(beijing) == pytest.approx(15.5)
    utc = datetime(2026, 12, 31, 23, 59, 50, tzinfo=UTC)  # UTC's new year
    assert wait_past_midnight(utc) == pytest.approx(10.5)
    kathmandu = datetime(2026, 12, 5, 18, 14, 40, tzinfo=UTC)  # 23:59:40 at +05:45, the machine's
    assert seconds_to_midnight(kathmandu, None) == pytest.approx(20)
    assert wait_past_midnight(kathmandu) == pytest.approx(20.5)
    just_before_the_margin = datetime(2026, 12, 5, 16, 0, tzinfo=UTC) - timedelta(
        seconds=MIDNIGHT_MARGIN_S + 1
    )
    assert wait_past_midnight(just_before_the_margin) == 0
    assert wait_past_midnight(datetime(2026, 12, 5, 16, 0, 1, tzinfo=UTC)) == 0, "just after: no wait"

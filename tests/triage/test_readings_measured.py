"""``triage.readings.measured``: the '; measured <time>' clause of a rule's detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from triage.observation import Observation
from triage.readings import measured

CST = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 25, 1, 58, tzinfo=UTC)


def _ob(code: str, value: float, at: datetime) -> Observation:
    return Observation.create(code, value, None, observed_at=at)


def test_one_time_in_the_reading_s_own_offset() -> None:
    latest = {"sbp": _ob("sbp", 150, AT.astimezone(CST)), "dbp": _ob("dbp", 95, AT.astimezone(CST))}
    assert (
        measured({"sbp": 150.0, "dbp": 95.0, "grade": "grade_1"}, latest, {})
        == "; measured 2026-11-25T09:58+08:00"
    )


def test_earliest_to_latest_and_a_score_reads_its_readings() -> None:
    latest = {
        "sbp": _ob("sbp", 150, AT),
        "resp_rate": _ob("resp_rate", 24, AT - timedelta(minutes=30)),
        "consciousness": Observation.create(
            "consciousness", "A", None, observed_at=AT + timedelta(minutes=5)
        ),
    }
    assert (
        measured({"qsofa": 2.0, "complete": False}, latest, {})
        == "; measured 2026-11-25T01:28+00:00 to 2026-11-25T02:03+00:00"
    )


def test_of_equal_times_in_two_offsets_the_first_read_is_shown() -> None:
    # the same instant sent by two devices in different offsets: the first reading the rule read
    latest = {"sbp": _ob("sbp", 150, AT.astimezone(CST)), "dbp": _ob("dbp", 95, AT)}
    assert measured({"sbp": 150.0, "dbp": 95.0}, latest, {}) == "; measured 2026-11-25T09:58+08:00"
    assert measured({"dbp": 95.0, "sbp": 150.0}, latest, {}) == "; measured 2026-11-25T01:58+00:00"


def test_no_reading_no_clause_and_a_time_is_written_once() -> None:
    latest = {"sbp": _ob("sbp", 150, AT)}
    stamps: dict[datetime, str] = {}
    assert measured({"china_par": 12.0, "complete": True}, {}, stamps) == ""
    assert measured({"sbp": 150.0}, latest, stamps) == "; measured 2026-11-25T01:58+00:00"
    assert stamps == {AT: "2026-11-25T01:58+00:00"}


def test_readings_taken_seconds_apart_in_one_minute_are_one_time() -> None:
    # a cuff's sbp and dbp received a few seconds apart said "09:58 to 09:58"
    latest = {
        "sbp": _ob("sbp", 150, AT + timedelta(seconds=3)),
        "dbp": _ob("dbp", 95, AT + timedelta(seconds=41)),
    }
    assert measured({"sbp": 150.0, "dbp": 95.0}, latest, {}) == "; measured 2026-11-25T01:58+00:00"
    later = {**latest, "dbp": _ob("dbp", 95, AT + timedelta(seconds=61))}
    assert measured({"sbp": 150.0, "dbp": 95.0}, later, {}).endswith(" to 2026-11-25T01:59+00:00")

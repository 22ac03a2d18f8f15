"""'measured ...' in a reason's detail on the staff pages: the time of day alone when the readings
were taken today on the clinic's clock (as every other time on the page), the date kept when they
were taken another day - at the clinic's midnight, not the server's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from referral.clock import Clock
from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.patient import PatientContext
from triage.service.pages.engine_text import EngineText

SHANGHAI = ZoneInfo("Asia/Shanghai")  # +08:00: the clinic's midnight is 16:00 UTC


@dataclass(frozen=True)
class _StoppedClock(Clock):
    """The clinic's clock stopped at ``at`` (a synthetic test time)."""

    at: datetime = NOW

    def now(self) -> datetime:
        return self.at.astimezone(self.zone)


#: a real assessment of a pressure in the crisis range (synthetic test reading)
_PAYLOAD: dict[str, Any] = json.loads(
    assess(PatientContext(), [ob("sbp", 205)], ALL_ON, now=NOW).model_dump_json()
)


def _crisis(first: str, last: str | None = None) -> dict[str, Any]:
    """A real hypertensive-crisis reason, its readings said to be measured at ``first`` (to ``last``)."""
    reason: dict[str, Any] = dict(next(r for r in _PAYLOAD["reasons"] if r["rule"] == "hypertensive_crisis"))
    head, _, _ = reason["detail"].rpartition("; measured ")
    reason["detail"] = f"{head}; measured {first}" + (f" to {last}" if last else "")
    return reason


def _measured(language: str, reason: dict[str, Any], now: str, zone: ZoneInfo | None = SHANGHAI) -> str:
    clinic = _StoppedClock(zone, datetime.fromisoformat(now))
    shown = EngineText(language, _PAYLOAD, clinic=clinic).detail(reason)
    return shown[shown.index(("; measured ", "；测量于 ")[language == "zh"]) :]


@pytest.mark.parametrize(
    ("first", "last", "now", "en", "zh"),
    [
        # 23:59 in the clinic, asked a second before its midnight: today
        ("2026-11-25T15:59+00:00", None, "2026-11-25T15:59:59+00:00", "; measured 23:59", "；测量于 23:59"),
        # ... and at its midnight: yesterday, so the date
        (
            "2026-11-25T15:59+00:00",
            None,
            "2026-11-25T16:00:00+00:00",
            "; measured 2026-11-25 23:59",
            "；测量于 2026-11-25 23:59",
        ),
        # taken at the clinic's midnight, asked then: today
        ("2026-11-25T16:00+00:00", None, "2026-11-25T16:00:00+00:00", "; measured 00:00", "；测量于 00:00"),
        # a span over the clinic's midnight keeps both dates; one within today keeps neither
        (
            "2026-11-25T15:58+00:00",
            "2026-11-25T16:01+00:00",
            "2026-11-25T16:05:00+00:00",
            "; measured 2026-11-25 23:58 to 2026-11-26 00:01",
            "；测量于 2026-11-25 23:58 至 2026-11-26 00:01",
        ),
        (
            "2026-11-25T16:01+00:00",
            "2026-11-25T16:03+00:00",
            "2026-11-25T16:05:00+00:00",
            "; measured 00:01 to 00:03",
            "；测量于 00:01 至 00:03",
        ),
    ],
)
def test_measured_today_is_the_time_another_day_the_date_and_time(
    first: str, last: str | None, now: str, en: str, zh: str
) -> None:
    reason = _crisis(first, last)
    assert _measured("en", reason, now) == en
    assert _measured("zh", reason, now) == zh


def test_today_is_the_clinics_day_not_the_servers() -> None:
    """08:30 in Shanghai on the 26th is 00:30 UTC: today for the clinic, though the server's UTC
    day began only half an hour before a reading of 23:59 UTC the 25th (07:59 the 26th here)."""
    reason = _crisis("2026-11-25T23:59+00:00")
    assert _measured("en", reason, "2026-11-26T00:30:00+00:00") == "; measured 07:59"
    assert _measured("en", reason, "2026-11-26T00:30:00+00:00", ZoneInfo("UTC")) == (
        "; measured 2026-11-25 23:59"
    )
    assert _measured("en", reason, "2026-11-26T20:00:00+00:00") == "; measured 2026-11-26 07:59"


def test_a_detail_without_a_time_has_no_clause() -> None:
    reason = _crisis("2026-11-25T15:59+00:00")
    reason["detail"] = reason["detail"].rpartition("; measured ")[0]
    shown = EngineText("en", _PAYLOAD, clinic=_StoppedClock(SHANGHAI, NOW.astimezone(UTC))).detail(reason)
    assert "measured" not in shown

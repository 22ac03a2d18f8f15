"""Shared builders for the triage tests: a fixed clock and observation helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from triage.observation import Observation
from triage.policy import Policy, load_policy

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
RECENT = NOW - timedelta(minutes=10)


def ob(code: str, value: float | str | None, unit: str | None = None, **kw: object) -> Observation:
    kw.setdefault("observed_at", RECENT)
    return Observation.create(code, value, unit, **kw)  # type: ignore[arg-type]


NORMAL_VITALS = {
    "resp_rate": 16.0,
    "spo2": 98.0,
    "sbp": 124.0,
    "dbp": 76.0,
    "heart_rate": 72.0,
    "temperature": 36.8,
}


def normal_vitals() -> list[Observation]:
    obs = [ob(code, value) for code, value in NORMAL_VITALS.items()]
    obs.append(ob("consciousness", "A"))
    obs.append(ob("supplemental_o2", "air"))
    return obs


def unusable_readings() -> list[Observation]:
    """One reading the engine ignores for each reason that does not depend on another reading: QC,
    preliminary, cannot be done, in the future (of ``NOW``), stale."""
    return [
        ob("sbp", 150, qc=True),
        ob("dbp", 95, status="preliminary"),
        ob("spo2", None, status="cannot_be_done"),
        ob("heart_rate", 80, observed_at=NOW + timedelta(hours=1)),
        ob("resp_rate", 18, observed_at=NOW - timedelta(days=30)),
    ]


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()

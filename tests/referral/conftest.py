"""Real SQLite files in tmp_path, loaded with the synthetic demo facility directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlite_utils import Database

from referral import facilities, store
from referral.migrations import MIGRATIONS
from referral.records import AssessmentIn, EncounterIn, PatientIn
from referral.schema import connect


def counted_calls(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[Any]:
    """Every argument ``module.name`` (a function of one) is called with from now on, in order - the
    module's own calls of it included - while it still does what it did."""
    called: list[Any] = []
    plain: Callable[[Any], Any] = getattr(module, name)

    def counted(value: Any) -> Any:
        called.append(value)
        return plain(value)

    monkeypatch.setattr(module, name, counted)
    return called


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = connect(tmp_path / "clinic.db")
    facilities.load_csv(database, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    return database


def assessment_in(**overrides: Any) -> AssessmentIn:
    data: dict[str, Any] = {
        "disposition": "urgent_referral",
        "target_tier": "secondary",
        "policy_version": "policy-2026.1",
        "engine_version": "0.1.0",
        "model_versions": {"cvd10": "1.0.0"},
        "news2": 5,
        "red_flags": ["spo2_below_92"],
        "risks": {"cvd10": 0.21},
        "payload": {"disposition": "urgent_referral", "reasons": ["SpO2 90 %"]},
    }
    data.update(overrides)
    return AssessmentIn.model_validate(data)


def visit(
    database: Database,
    mrn: str = "MRN-1",
    started_at: str = "2026-05-01T09:00:00+08:00",
    **assessment: Any,
) -> dict[str, Any]:
    """A patient, an encounter at ZJ-C01 and one assessment; returns the assessment row."""
    store.upsert_patient(
        database,
        PatientIn(mrn=mrn, name="Test Patient", sex="female", birth_date="1960-02-03"),
        actor="nurse1",
        reason="registration",
    )
    encounter = store.open_encounter(
        database,
        EncounterIn(patient_mrn=mrn, facility_id="ZJ-C01", started_at=started_at),
        actor="nurse1",
        reason="visit",
    )
    return store.record_assessment(
        database, encounter["id"], assessment_in(**assessment), actor="engine", reason="triage"
    )


def log_before(path: Path, migration: str) -> Database:
    """A referral log at ``path`` migrated up to (not including) ``migration``, opened without
    migrating, with the demo facility directory: a log an older version wrote."""
    old = Database(path)
    MIGRATIONS.apply(old, stop_before=migration)
    old.close()
    db = connect(path, migrate=False)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    return db

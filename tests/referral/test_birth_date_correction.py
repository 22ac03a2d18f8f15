"""A corrected birth date (``referral.patients.correct``): checked as registration checks it, the
patient's visits take the age it gives (audited ``encounter.age_correct``), and `triage referrals
verify-audit` replays both - a birth date or a visit's age edited with plain sqlite3 is reported,
a corrected one is not."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from referral import audit, closure, facilities, patients, store
from referral.clock import Clock
from referral.errors import UserInputError
from referral.records import EncounterIn, check_birth_date
from referral.schema import connect
from tests.conftest import machine_zone

from .conftest import visit
from .test_cli import run

# conftest.visit: born 1960-02-03, a visit on 2026-05-01 (age 66)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    visit(db)
    patients.correct(db, 1, birth_date=date(1950, 2, 3), actor="nurse1", reason="year typed wrong")
    db.close()
    return path


def test_a_corrected_birth_date_and_the_visit_age_it_gives_match_the_trail(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = connect(log)
    assert store.get_patient(db, 1)["birth_date"] == "1950-02-03"
    assert store.get_encounter(db, 1)["age_years"] == 76
    entry = audit.entries_for(db, "encounter", 1)[-1]
    assert (entry["action"], entry["reason"]) == (
        "encounter.age_correct",
        "birth date corrected: year typed wrong",
    )
    db.close()
    code, out, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 0, err
    assert "1 patient, 1 encounter," in out


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("UPDATE patients SET birth_date = '1970-02-03' WHERE id = 1", "patients"),
        ("UPDATE encounters SET age_years = 56 WHERE id = 1", "encounters"),
    ],
)
def test_a_birth_date_or_visit_age_edited_with_plain_sqlite3_is_reported(
    log: Path, sql: str, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = sqlite3.connect(log)
    raw.execute(sql)
    raw.commit()
    raw.close()
    code, _, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 1 and err.count("\n") == 1, err
    assert f"but {table} row 1: " in err and "edited outside the application" in err


def test_a_birth_date_no_check_allows_is_refused_and_nothing_written(log: Path) -> None:
    db = connect(log)
    trail = audit.entries_for(db, "patient", 1) + audit.entries_for(db, "encounter", 1)
    future = date(date.today().year + 1, 1, 1)
    for born, says in (
        (future, f'"birth_date": birth date {future} is not between'),
        (date(1850, 1, 1), '"birth_date": birth date 1850-01-01 is not between'),
        # after the visit of 2026-05-01: the visit would have a negative age
        (
            date(2026, 6, 1),
            "'birth_date' 2026-06-01 is after the patient's visit of 2026-05-01 (encounter 1)",
        ),
        (date(1950, 2, 3), "nothing to correct"),
    ):
        with pytest.raises(UserInputError, match=says.replace("(", r"\(").replace(")", r"\)")):
            patients.correct(db, 1, birth_date=born, actor="nurse1", reason="check")
    assert audit.entries_for(db, "patient", 1) + audit.entries_for(db, "encounter", 1) == trail
    assert (store.get_patient(db, 1)["birth_date"], store.get_encounter(db, 1)["age_years"]) == (
        "1950-02-03",
        76,
    )


def test_a_birth_on_the_clinics_day_is_not_in_the_future_whatever_the_machines_date() -> None:
    """The machine at UTC-12, the clinic at UTC+14: their dates always differ. A baby born today
    in the clinic was "in the future" by the machine's date (``date.today()``)."""
    with machine_zone("Etc/GMT+12"):
        today = Clock.named("Pacific/Kiritimati").today()
        assert today > date.today()
        assert check_birth_date(today, today) == today
        with pytest.raises(ValueError, match="is not between"):
            check_birth_date(today + timedelta(days=1), today)


def test_a_closed_visit_keeps_the_age_it_was_decided_with_and_open_and_new_visits_take_the_corrected_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Correcting the birth date rewrote the age of every visit, closed ones too: the queue and the
    analytics export then showed a closed visit with an age its decision was not made with."""
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    visit(db)  # 2026-05-01, age 66 from 1960-02-03, urgent referral decided
    closure.close(db, 1, actor="nurse1", reason="went home", without_referral=True)
    second = store.open_encounter(
        db,
        EncounterIn(patient_mrn="MRN-1", facility_id="ZJ-C01", started_at="2026-06-01T09:00:00+08:00"),
        actor="nurse1",
        reason="visit",
    )
    patients.correct(db, 1, birth_date=date(1950, 2, 3), actor="nurse1", reason="year typed wrong")
    third = store.open_encounter(
        db,
        EncounterIn(patient_mrn="MRN-1", facility_id="ZJ-C01", started_at="2026-07-01T09:00:00+08:00"),
        actor="nurse1",
        reason="visit",
    )
    assert [store.get_encounter(db, n)["age_years"] for n in (1, second["id"], third["id"])] == [66, 76, 76]
    assert [e["action"] for e in audit.entries_for(db, "encounter", 1)] == [
        "encounter.create",
        "encounter.closed",
    ]
    db.close()
    code, out, err = run(capsys, "queue", "--db", str(path), "--day", "2026-05-01", "--json")
    assert code == 0, err
    assert [row["age_years"] for row in json.loads(out)] == [66]
    code, out, err = run(capsys, "verify-audit", "--db", str(path))
    assert code == 0, err

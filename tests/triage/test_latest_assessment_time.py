"""An assessment time in the year 9999 is refused where it is given, naming the field, as a reading's
time there is: ``now + future_tolerance`` raised OverflowError, a traceback, from ``triage assess
--now 9999-12-31T23:58:00Z`` and from an input's ``assessed_at``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.triage.assess_cli import EXAMPLES, run
from tests.triage.conftest import normal_vitals, ob
from triage.assess import assess
from triage.errors import ClinicError
from triage.patient import PatientContext
from triage.policy import MAX_FUTURE_TOLERANCE_MINUTES, policy_from_mapping

TOO_LATE = "9999-12-31T23:58:00Z"


def _input(tmp_path: Path, assessed_at: str | None) -> str:
    data = json.loads((EXAMPLES / "local-care.json").read_text())
    data.pop("assessed_at", None)
    if assessed_at is not None:
        data["assessed_at"] = assessed_at
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_now_too_late_is_refused_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "assess", _input(tmp_path, None), "--no-models", "--now", TOO_LATE)
    assert code == 2 and out == ""
    assert (
        err.startswith(f'error: --now: "{TOO_LATE}" is out of range (year 9999)') and "Traceback" not in err
    )


def test_an_inputs_assessed_at_too_late_is_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _input(tmp_path, "9999-12-31T23:58:00-05:00")  # its own offset's date and time count
    code, out, err = run(capsys, "assess", path, "--no-models")
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}: assessed_at: ") and "out of range (year 9999)" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_the_latest_time_is_assessed_with_the_largest_tolerance_a_policy_may_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_from_mapping({"freshness": {"future_tolerance_minutes": MAX_FUTURE_TOLERANCE_MINUTES}})
    latest = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    patient = PatientContext(age=50, sex="female")
    readings = [ob(o.code, o.value, observed_at=latest - timedelta(minutes=5)) for o in normal_vitals()]
    assert assess(patient, readings, policy, now=latest).disposition.value == "local_care"
    code, _, err = run(capsys, "assess", _input(tmp_path, "9998-12-31T23:59:59-12:00"), "--no-models")
    assert code == 0, err
    # called directly, a later time is the engine's error, not an OverflowError
    with pytest.raises(ClinicError, match="out of range"):
        assess(patient, readings, policy, now=datetime(9999, 12, 31, tzinfo=UTC))

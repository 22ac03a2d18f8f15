"""A diastolic at or above the systolic of the same measurement (swapped fields): refused on entry
(``triage.bp_pair.check_pairs``), never scored by the engine (``select_observations``)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.profile import load_profile
from tests.triage.conftest import NOW, RECENT, normal_vitals, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.bp_pair import SAME_MEASUREMENT, SwappedPressuresError, check_pairs, not_below, swapped_pairs
from triage.cli import main
from triage.intake import replay_capture
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy

PATIENT = PatientContext(patient_id="bp-1", age=58, sex="male")
# the plausible ranges of the vocabulary (mm[Hg]): sbp 40-300, dbp 20-200
SBP = st.integers(40, 300)
DBP = st.integers(20, 200)


@given(SBP, DBP)
def test_a_pair_of_one_measurement_is_refused_exactly_when_dbp_is_not_below_sbp(sbp: int, dbp: int) -> None:
    readings = [ob("sbp", sbp), ob("dbp", dbp)]
    assert not_below(readings[0], readings[1]) is (dbp >= sbp)
    if dbp >= sbp:
        with pytest.raises(SwappedPressuresError) as caught:
            check_pairs(readings)
        assert f"dbp {dbp} mmHg is not below sbp {sbp} mmHg" in str(caught.value)
        assert caught.value.params == {"sbp": str(sbp), "dbp": str(dbp)}
    else:
        check_pairs(readings)


@pytest.mark.parametrize(
    ("sbp", "dbp", "refused"),
    [(120, 120, True), (120, 119, False), (80, 140, True), (120.5, 120.5, True), (120.5, 120, False)],
)
def test_cut_points(sbp: float, dbp: float, refused: bool) -> None:
    assert bool(swapped_pairs([ob("dbp", dbp), ob("sbp", sbp)])) is refused


def test_the_error_names_both_readings_where_the_caller_says() -> None:
    readings = [ob("heart_rate", 70), ob("sbp", 80), ob("dbp", 140)]
    with pytest.raises(SwappedPressuresError) as caught:
        check_pairs(readings, lambda i: f"observations[{i}]")
    assert str(caught.value).startswith(
        "observations[1], observations[2]: dbp 140 mmHg is not below sbp 80 mmHg - were they swapped?"
    )
    assert caught.value.exit_code == 2 and caught.value.status_hint == 422


def test_a_pressure_in_kpa_is_compared_in_mmhg() -> None:
    # 18.7 kPa is 140 mmHg: above the systolic of 80 mmHg
    assert swapped_pairs([ob("sbp", 80), ob("dbp", 18.7, "kPa")])


def test_readings_of_different_measurements_are_not_compared() -> None:
    later = RECENT + SAME_MEASUREMENT + timedelta(seconds=1)
    assert not swapped_pairs([ob("dbp", 140), ob("sbp", 80, observed_at=later)])
    within = RECENT + SAME_MEASUREMENT
    assert swapped_pairs([ob("dbp", 140), ob("sbp", 80, observed_at=within)])


def test_censored_and_qc_readings_are_not_compared() -> None:
    assert not swapped_pairs([ob("sbp", ">250"), ob("dbp", 140)])
    assert not swapped_pairs([ob("sbp", 80, qc=True), ob("dbp", 140)])


def _with_bp(sbp: float, dbp: float) -> list[Observation]:
    readings = [o for o in normal_vitals() if o.code not in ("sbp", "dbp")]
    return [*readings, ob("sbp", sbp), ob("dbp", dbp)]


def test_the_engine_does_not_score_a_swapped_pair(policy: Policy) -> None:
    # 80/140 taken as given is a hypertensive emergency by the diastolic and NEWS2 3 by the systolic
    a = assess(PATIENT, _with_bp(80, 140), policy, now=NOW)
    bp = a.scores["blood_pressure"]
    assert bp.value is None and bp.band != "normal" and set(bp.missing) == {"sbp", "dbp"}
    assert {"sbp", "dbp"} <= set(a.missing_inputs)
    assert "sbp" in a.scores["news2"].missing
    ignored = {i.code: i for i in a.ignored_observations}
    for code in ("sbp", "dbp"):
        assert ignored[code].reason == "implausible_pair"
        assert ignored[code].detail.startswith("dbp 140 mmHg is not below sbp 80 mmHg")
    assert not {o.code for o in a.observations_used} & {"sbp", "dbp"}
    assert not any("sbp" in r.values or "dbp" in r.values for r in a.reasons)


def test_a_refused_pair_is_never_local_care(policy: Policy) -> None:
    """With the pair refused the pressure now is unknown: every other vital normal is no reason to
    send the patient home with a re-check in a month (it was local_care)."""
    a = assess(PATIENT, _with_bp(80, 140), policy, now=NOW)
    assert a.disposition is Disposition.insufficient_data and a.recheck_minutes == 0
    # a systolic of 85 is NEWS2's red 3 points; the diastolic rising to meet it refuses the pair
    narrow = assess(PATIENT, _with_bp(85, 84), policy, now=NOW)
    assert narrow.disposition is Disposition.urgent_referral
    assert "news2_red_parameter" in narrow.red_flags
    met = assess(PATIENT, _with_bp(85, 85), policy, now=NOW)
    assert met.disposition is Disposition.insufficient_data
    # anything else that escalates still decides
    tachypnoea = [o for o in _with_bp(80, 140) if o.code != "resp_rate"] + [ob("resp_rate", 26)]
    assert assess(PATIENT, tachypnoea, policy, now=NOW).disposition is Disposition.urgent_referral


def test_the_engine_at_the_cut_point(policy: Policy) -> None:
    equal = assess(PATIENT, _with_bp(120, 120), policy, now=NOW)
    assert equal.scores["blood_pressure"].value is None
    below = assess(PATIENT, _with_bp(120, 119), policy, now=NOW)
    assert below.scores["blood_pressure"].value is not None
    assert not below.ignored_observations
    assert below.disposition is not Disposition.insufficient_data


def test_the_engine_still_uses_readings_of_different_measurements(policy: Policy) -> None:
    readings = [*_with_bp(124, 76), ob("sbp", 90, observed_at=RECENT + timedelta(minutes=5))]
    a = assess(PATIENT, readings, policy, now=NOW)
    assert a.scores["blood_pressure"].value is not None
    assert {i.reason for i in a.ignored_observations} == {"superseded"}


def test_triage_assess_refuses_the_pair_with_exit_2_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = "2026-11-25T08:30:00+08:00"
    doc = {
        "observations": [
            {"code": "sbp", "value": 80, "unit": "mmHg", "observed_at": at},
            {"code": "dbp", "value": 140, "unit": "mmHg", "observed_at": at},
        ],
        "assessed_at": "2026-11-25T08:40:00+08:00",
    }
    case = tmp_path / "swapped.json"
    case.write_text(json.dumps(doc), encoding="utf-8")
    code = main(["assess", str(case), "--no-models"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(
        f"error: {case}: observations[0].value, observations[1].value:"
        " dbp 140 mmHg is not below sbp 80 mmHg - were they swapped?"
    )
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    doc["observations"][1]["value"] = 79  # type: ignore[index]
    case.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["assess", str(case), "--no-models"]) == 0


def test_a_device_message_with_the_pair_swapped_puts_both_up_for_review() -> None:
    capture = b"BP,202411251030,80,140,97,74\r\nBP,202411251050,182,112,135,96\r\n"
    report = replay_capture(load_profile("bp-monitor"), capture)
    # the monitor sends no patient id: the gateway (and so replay) holds its readings until a
    # device association links them, but they are valid observations
    assert report.observations == []
    used = [(o.code, o.value) for _, o in report.unlinked]
    assert used == [("heart_rate", 74.0), ("sbp", 182.0), ("dbp", 112.0), ("heart_rate", 96.0)]
    review = report.for_review()
    assert [(q.reason, q.byte_offset) for q in review] == [("invalid", 0), ("invalid", 0)]
    assert all("dbp 140 mmHg is not below sbp 80 mmHg - were they swapped?" in q.detail for q in review)
    # every result is accounted for: nothing lost
    assert len(report.results) == len(report.observations) + len(review) + len(report.held_back)

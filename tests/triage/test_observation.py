"""Observation construction: units, censored values, plausibility, status/QC, timezones."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage import units
from triage.errors import ImplausibleValueError, UnitError, UnknownCodeError, UserInputError
from triage.observation import Observation, Status, parse_censored
from triage.patient import PatientContext, patient_from_mapping
from triage.units import from_canonical
from triage.vocabulary import CONCEPTS, Kind, concept

T = "2026-11-25T08:30:00+08:00"


@pytest.mark.parametrize(("mmol", "mgdl"), [(7.0, 126.1), (11.1, 200.0), (5.6, 100.9), (33.3, 599.9)])
def test_glucose_conversion(mmol: float, mgdl: float) -> None:
    assert units.glucose_mmol_to_mgdl(mmol) == pytest.approx(mgdl, abs=0.1)
    assert units.glucose_mgdl_to_mmol(units.glucose_mmol_to_mgdl(mmol)) == pytest.approx(mmol)


@pytest.mark.parametrize(("mmol", "mgdl"), [(5.2, 201.1), (6.2, 239.8), (1.0, 38.67), (8.0, 309.4)])
def test_cholesterol_conversion(mmol: float, mgdl: float) -> None:
    assert units.cholesterol_mmol_to_mgdl(mmol) == pytest.approx(mgdl, abs=0.1)
    assert units.cholesterol_mgdl_to_mmol(mgdl) == pytest.approx(mmol, abs=0.01)


@pytest.mark.parametrize(("pct", "ifcc"), [(6.5, 48), (5.7, 39), (7.0, 53), (10.0, 86)])
def test_hba1c_conversion(pct: float, ifcc: int) -> None:
    assert round(units.hba1c_percent_to_mmol_mol(pct)) == ifcc
    assert units.hba1c_mmol_mol_to_percent(units.hba1c_percent_to_mmol_mol(pct)) == pytest.approx(pct)


@pytest.mark.parametrize(("f", "c"), [(98.6, 37.0), (32.0, 0.0), (100.4, 38.0), (95.0, 35.0)])
def test_fahrenheit(f: float, c: float) -> None:
    assert units.fahrenheit_to_celsius(f) == pytest.approx(c)


@pytest.mark.parametrize(("kpa", "mmhg"), [(16.0, 120.0), (24.0, 180.0), (101.325, 760.0)])
def test_kpa(kpa: float, mmhg: float) -> None:
    assert units.kpa_to_mmhg(kpa) == pytest.approx(mmhg, abs=0.05)


@pytest.mark.parametrize(("lb", "kg"), [(1.0, 0.45359237), (154.0, 69.853225), (220.46, 99.9990)])
def test_pounds_and_kilograms_both_ways(lb: float, kg: float) -> None:
    assert units.pounds_to_kg(lb) == pytest.approx(kg, abs=1e-4)
    assert units.kg_to_pounds(units.pounds_to_kg(lb)) == pytest.approx(lb)
    assert units.to_canonical("weight", lb, "lb") == pytest.approx(kg, abs=1e-4)
    assert units.from_canonical("weight", kg, "[lb_av]") == pytest.approx(lb, abs=1e-3)


@pytest.mark.parametrize(("inch", "cm"), [(1.0, 2.54), (65.0, 165.1), (70.5, 179.07)])
def test_inches_and_centimetres_both_ways(inch: float, cm: float) -> None:
    assert units.inches_to_cm(inch) == pytest.approx(cm)
    assert units.cm_to_inches(cm) == pytest.approx(inch)
    assert units.to_canonical("height", inch, "[in_i]") == pytest.approx(cm)
    assert units.from_canonical("height", cm, "in") == pytest.approx(inch)


def test_imperial_body_measurements_become_observations_in_canonical_units() -> None:
    w = Observation.create("weight", 154, "[lb_av]", observed_at=T)
    h = Observation.create("height", 65, "[in_i]", observed_at=T)
    assert (w.value, w.unit) == (pytest.approx(69.853, abs=0.001), "kg")
    assert (h.value, h.unit) == (pytest.approx(165.1), "cm")
    with pytest.raises(UnitError, match=r'weight: unit "stone" is not accepted; use one of: kg, \[lb_av\]'):
        Observation.create("weight", 11, "stone", observed_at=T)


def test_every_accepted_unit_converts_and_round_trips() -> None:
    for c in CONCEPTS.values():
        if c.kind is Kind.CODED:
            continue
        assert c.low is not None and c.high is not None
        mid = (c.low + c.high) / 2
        for unit in c.accepted_units:
            shown = units.from_canonical(c.code, mid, unit)
            assert units.to_canonical(c.code, shown, unit) == pytest.approx(mid), (c.code, unit)


def test_create_converts_to_canonical() -> None:
    o = Observation.create("glucose_fasting", 126, "mg/dl", observed_at=T)
    assert o.unit == "mmol/L" and o.value == pytest.approx(6.99, abs=0.01)
    assert Observation.create("temperature", "98.6", "°F", observed_at=T).value == pytest.approx(37.0)
    assert Observation.create("sbp", 16, "kPa", observed_at=T).value == pytest.approx(120.0, abs=0.05)
    assert Observation.create("sbp", 120, "mmHg", observed_at=T).unit == "mm[Hg]"
    assert Observation.create("hba1c", 48, "mmol/mol", observed_at=T).value == pytest.approx(6.54, abs=0.01)
    assert Observation.create("spo2", 97, None, observed_at=T).unit == "%"


@pytest.mark.parametrize(
    ("code", "value", "unit", "words"),
    [
        ("spo2", 130, "%", ["spo2", "130", "%", "40-100"]),
        ("sbp", 0, "mmHg", ["sbp", "0", "mm[Hg]", "40-300"]),
        ("temperature", 60, "Cel", ["temperature", "60", "25-45"]),
        ("temperature", 140, "[degF]", ["temperature", "140", "[degF]", "60", "25-45 Cel"]),
        ("glucose_random", ">80", "mmol/L", ["glucose_random", ">80", "0.5-60"]),
    ],
)
def test_implausible_values_name_code_value_unit_range(
    code: str, value: object, unit: str, words: list[str]
) -> None:
    with pytest.raises(ImplausibleValueError) as info:
        Observation.create(code, value, unit, observed_at=T)  # type: ignore[arg-type]
    for w in words:
        assert w in str(info.value)


def test_range_edges_are_inclusive() -> None:
    assert Observation.create("spo2", 100, "%", observed_at=T).value == 100
    assert Observation.create("spo2", 40, "%", observed_at=T).value == 40
    with pytest.raises(ImplausibleValueError):
        Observation.create("spo2", 39.9, "%", observed_at=T)
    with pytest.raises(ImplausibleValueError):
        Observation.create("spo2", 100.1, "%", observed_at=T)


def test_unknown_unit_and_code() -> None:
    with pytest.raises(UnitError, match=r'sbp: unit "mg/dL" is not accepted; use one of: mm\[Hg\], kPa'):
        Observation.create("sbp", 120, "mg/dL", observed_at=T)
    with pytest.raises(UnknownCodeError, match='"pulse"'):
        Observation.create("pulse", 80, "/min", observed_at=T)
    with pytest.raises(UserInputError, match="not a finite"):
        Observation.create("sbp", math.nan, "mmHg", observed_at=T)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (">8", (">", 8.0)),
        ("<0.1", ("<", 0.1)),
        (" >= 33.3 ", (">=", 33.3)),
        ("≤2", ("<=", 2.0)),
        ("5.6", (None, 5.6)),
        (" 70 ", (None, 70.0)),
        ("1.2E+03", (None, 1200.0)),
        ("HI", None),
        # Python's float() would read these: digit separators, words, other scripts' digits
        ("7_0", None),
        ("nan", None),
        ("inf", None),
        ("-Infinity", None),
        ("\u0667\u0660", None),  # Arabic-Indic 70
        ("\uff17\uff10", None),  # full-width 70
        (">\u0667", None),
    ],
)
def test_parse_censored(raw: str, parsed: object) -> None:
    assert parse_censored(raw) == parsed


def test_censored_numeric_semantics() -> None:
    hi = Observation.create("glucose_random", ">33.3", "mmol/L", observed_at=T)
    assert hi.comparator == ">" and hi.value == 33.3 and hi.censored
    assert hi.numeric is not None and hi.numeric > 33.3 and hi.numeric >= 33.3
    lo = Observation.create("glucose_random", "<1.1", "mmol/L", observed_at=T)
    assert lo.numeric is not None and lo.numeric < 1.1
    assert Observation.create("glucose_random", ">=20", observed_at=T).numeric == 20
    assert hi.display_value() == ">33.3 mmol/L"
    mg = Observation.create("glucose_random", ">600", "mg/dL", observed_at=T)
    assert mg.numeric is not None and mg.numeric >= 33.3


def test_non_numeric_string_rejected_with_hint() -> None:
    with pytest.raises(UserInputError, match="censored number like"):
        Observation.create("glucose_random", "HI", "mmol/L", observed_at=T)


def test_coded_values() -> None:
    assert Observation.create("consciousness", "v", observed_at=T).value == "V"
    assert Observation.create("supplemental_o2", "Oxygen", observed_at=T).value == "oxygen"
    with pytest.raises(UserInputError, match="A, C, V, P, U"):
        Observation.create("consciousness", "confused", observed_at=T)
    with pytest.raises(UnitError):
        Observation.create("urine_protein", "1+", "mg/dL", observed_at=T)


def test_status_qc_and_usable() -> None:
    assert Observation.create("sbp", 120, observed_at=T).usable
    assert Observation.create("sbp", 120, observed_at=T, status="corrected").usable
    assert not Observation.create("sbp", 120, observed_at=T, status="preliminary").usable
    assert not Observation.create("sbp", 120, observed_at=T, qc=True).usable
    cbd = Observation.create("sbp", None, observed_at=T, status=Status.cannot_be_done)
    assert not cbd.usable and cbd.value is None and cbd.display_value() == "cannot be done"
    with pytest.raises(UserInputError, match='status "done"'):
        Observation.create("sbp", 120, observed_at=T, status="done")
    with pytest.raises(UserInputError, match="value is missing"):
        Observation.create("sbp", None, observed_at=T)


def test_timezone_required() -> None:
    with pytest.raises(UserInputError, match="no timezone"):
        Observation.create("sbp", 120, observed_at="2026-11-25T08:30:00")
    with pytest.raises(UserInputError, match="ISO 8601"):
        Observation.create("sbp", 120, observed_at="yesterday")
    o = Observation.create("sbp", 120, observed_at=datetime(2026, 11, 25, tzinfo=UTC))
    assert o.observed_at.tzinfo is not None
    assert (
        Observation.create("sbp", 120, observed_at="2026-11-25T00:30:00Z").observed_at.utcoffset() is not None
    )


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(UserInputError, match="canonical unit"):
        Observation(code="sbp", value=16.0, unit="kPa", observed_at=datetime.now(UTC))
    with pytest.raises(ImplausibleValueError):
        Observation(code="spo2", value=130.0, unit="%", observed_at=datetime.now(UTC))
    o = Observation(code="spo2", value=97.0, unit="%", observed_at=datetime.now(UTC))
    assert o.loinc == "59408-5"
    with pytest.raises(Exception):  # noqa: B017 - frozen model
        o.value = 10.0  # type: ignore[misc]


def test_patient_context() -> None:
    p = PatientContext(age=50, sex="male", height_cm=170, weight_kg=72.25)
    assert p.bmi_value == pytest.approx(25.0)
    assert PatientContext(bmi=30, height_cm=170, weight_kg=50).bmi_value == 30
    assert PatientContext().bmi_value is None
    assert PatientContext(family_history_diabetes="first_degree").family_history_diabetes_first_degree is True
    assert PatientContext().spo2_scale2 is False
    with pytest.raises(UserInputError, match="pregnant"):
        PatientContext(sex="male", pregnant=True)


def test_patient_from_mapping_names_fields() -> None:
    with pytest.raises(UserInputError, match=r"patient\.age: .*less than or equal to 130.*200"):
        patient_from_mapping({"age": 200})
    with pytest.raises(UserInputError, match=r"patient\.smoker: unknown field; allowed: .*current_smoker"):
        patient_from_mapping({"smoker": True})
    with pytest.raises(UserInputError, match="expected an object"):
        patient_from_mapping([1])


@pytest.mark.parametrize(
    ("f", "c"),
    [(95.0, 35.0), (95.18, 35.1), (96.8, 36.0), (96.98, 36.1), (100.4, 38.0), (102.2, 39.0), (102.38, 39.1)],
)
def test_converted_cut_points_are_exact(f: float, c: float) -> None:
    from triage.scores.news2 import score_temperature

    o = Observation.create("temperature", f, "[degF]", observed_at=T)
    assert o.value == c
    assert score_temperature(o.value) == score_temperature(c)


def test_display_never_writes_a_large_value_in_exponent_notation() -> None:
    assert Observation.create("troponin_i", 23456.7, "ng/L", observed_at=T).display_value() == "23457 ng/L"
    assert Observation.create("troponin_i", 9876.54, "ng/L", observed_at=T).display_value() == "9877 ng/L"
    assert Observation.create("troponin_i", ">50000", "ng/L", observed_at=T).display_value() == ">50000 ng/L"
    assert Observation.create("hba1c", 6.54321, "%", observed_at=T).display_value() == "6.543 %"


def test_display_shows_the_reported_unit() -> None:
    o = Observation.create("hba1c", 62, "mmol/mol", observed_at=T)
    assert o.display_value() == "7.8 % (reported 62 mmol/mol)"  # to the code's decimals; scored as 7.823
    assert (
        Observation.create("glucose_random", ">600", "mg/dL", observed_at=T)
        .display_value()
        .endswith("(reported >600 mg/dL)")
    )


@settings(max_examples=200, deadline=None)
@given(
    reading=st.sampled_from(
        [
            ("spo2", "%"),
            ("heart_rate", "/min"),
            ("temperature", "Cel"),
            ("temperature", "[degF]"),
            ("glucose_random", "mmol/L"),
            ("glucose_random", "mg/dL"),
            ("hba1c", "%"),
            ("hba1c", "mmol/mol"),
            ("sbp", "mm[Hg]"),
            ("sbp", "kPa"),
            ("creatinine", "umol/L"),
        ]
    ),
    fraction=st.floats(0, 1),
    censor=st.sampled_from([None, ">", "<"]),
    qc=st.booleans(),
    device=st.one_of(st.none(), st.just("bench-01")),
)
def test_created_observations_equal_their_validated_twin(reading, fraction, censor, qc, device) -> None:  # type: ignore[no-untyped-def]
    """``create`` builds numeric observations without re-running the validator; the result must be
    what validation builds from the same data: same JSON, same Python types, field by field."""
    code, unit = reading
    c = concept(code)
    assert c.low is not None and c.high is not None
    canonical = c.low + (c.high - c.low) * fraction
    value = round(from_canonical(code, canonical, unit), 2)
    text = f"{censor}{value}" if censor else value
    try:
        o = Observation.create(
            code, text, unit, observed_at="2026-11-25T08:00:00+08:00", qc=qc, device=device
        )
    except ImplausibleValueError:
        return  # rounding in the reported unit stepped outside the range: refused, nothing to compare
    # qc given as 0/1 takes create()'s validated branch: an independent twin from the same input
    twin = Observation.create(
        code, text, unit, observed_at="2026-11-25T08:00:00+08:00", qc=int(qc), device=device
    )
    assert type(twin.__dict__["qc"]) is bool
    assert o.model_dump_json() == twin.model_dump_json()
    assert {k: type(v) for k, v in o.__dict__.items()} == {k: type(v) for k, v in twin.__dict__.items()}
    assert o == twin and o.loinc == c.loinc

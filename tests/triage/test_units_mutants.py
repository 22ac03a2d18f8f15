"""Each conversion factor of triage/units.py to its last printed digit, from a value whose exact
result the definition gives (180.16 mg/dL of glucose is 10 mmol/L at 180.16 g/mol; 760 mmHg is
101.325 kPa; 100 lb is 45.359237 kg exactly; ...), and the kPa rounding half up on both sides.
Each case killed a mutant (a factor one step off in its last digit, 0.5 -> 0.4/0.6) that the
other unit tests, which compare to about 0.01, let live."""

from __future__ import annotations

import pytest

from triage.units import from_canonical, kpa_to_mmhg, mmhg_to_kpa, to_canonical

EXACT = pytest.approx  # relative 1e-12 below: only a floating-point rounding apart


@pytest.mark.parametrize(
    ("code", "value", "unit", "canonical"),
    [
        ("glucose_random", 180.16, "mg/dL", 10.0),  # 1 mmol/L = 18.016 mg/dL
        ("glucose_fasting", 90.08, "mg/dL", 5.0),
        ("total_cholesterol", 386.7, "mg/dL", 10.0),  # 1 mmol/L = 38.67 mg/dL
        ("hdl_cholesterol", 38.67, "mg/dL", 1.0),
        ("triglycerides", 885.7, "mg/dL", 10.0),  # 1 mmol/L = 88.57 mg/dL
        ("creatinine", 1.0, "mg/dL", 88.4),  # 1 mg/dL = 88.4 umol/L
        ("hemoglobin", 13.5, "g/dL", 135.0),  # 1 g/dL = 10 g/L
        ("hba1c", 109.29, "mmol/mol", 12.15),  # NGSP % = IFCC / 10.929 + 2.15
        ("hba1c", 0.0, "mmol/mol", 2.15),
        ("weight", 100.0, "[lb_av]", 45.359237),  # 1 lb = 0.45359237 kg exactly
        ("height", 10.0, "[in_i]", 25.4),  # 1 in = 2.54 cm exactly
        ("temperature", 212.0, "[degF]", 100.0),
    ],
)
def test_each_factor_to_its_last_digit(code: str, value: float, unit: str, canonical: float) -> None:
    assert to_canonical(code, value, unit) == EXACT(canonical, rel=1e-12)
    assert from_canonical(code, canonical, unit) == EXACT(value, rel=1e-12, abs=1e-12)


def test_760_mmhg_is_101_325_kpa() -> None:
    assert mmhg_to_kpa(760.0) == EXACT(101.325, rel=1e-12)


@pytest.mark.parametrize(
    ("kpa", "mmhg"),
    [
        (5.26, 39.0),  # 39.453: below the half, down
        (5.0, 38.0),  # 37.503: from the half, up
        (21.3, 160.0),  # 159.763
        (24.0, 180.0),  # 180.015
    ],
)
def test_a_kpa_pressure_rounds_half_up_to_the_whole_mmhg(kpa: float, mmhg: float) -> None:
    assert kpa_to_mmhg(kpa) == mmhg

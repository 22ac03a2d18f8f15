"""NEWS2: every Chart 1 cut-point on both sides, the risk.md test vectors, missing parameters."""

from __future__ import annotations

import pytest

from triage.scores.news2 import (
    band_for,
    news2,
    score_consciousness,
    score_pulse,
    score_resp_rate,
    score_sbp,
    score_spo2_scale1,
    score_spo2_scale2,
    score_temperature,
)


@pytest.mark.parametrize(
    ("rr", "points"),
    [(8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (8.5, 3), (20.5, 2), (24.5, 3)],
)
def test_resp_rate_cut_points(rr: float, points: int) -> None:
    assert score_resp_rate(rr) == points


@pytest.mark.parametrize(
    ("spo2", "points"), [(91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0), (91.5, 3), (95.5, 1)]
)
def test_spo2_scale1_cut_points(spo2: float, points: int) -> None:
    assert score_spo2_scale1(spo2) == points


@pytest.mark.parametrize(
    ("spo2", "o2", "points"),
    [
        (83, False, 3),
        (84, False, 2),
        (85, False, 2),
        (86, False, 1),
        (87, False, 1),
        (88, False, 0),
        (92, False, 0),
        (92, True, 0),
        (93, False, 0),
        (100, False, 0),
        (93, True, 1),
        (94, True, 1),
        (95, True, 2),
        (96, True, 2),
        (97, True, 3),
        (92.5, True, 1),
        (94.5, True, 2),
    ],
)
def test_spo2_scale2_cut_points(spo2: float, o2: bool, points: int) -> None:
    assert score_spo2_scale2(spo2, o2) == points


@pytest.mark.parametrize(
    ("sbp", "points"),
    [(90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (90.5, 3), (219.5, 3)],
)
def test_sbp_cut_points(sbp: float, points: int) -> None:
    assert score_sbp(sbp) == points


@pytest.mark.parametrize(
    ("hr", "points"),
    [
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (40.5, 3),
        (90.5, 1),
    ],
)
def test_pulse_cut_points(hr: float, points: int) -> None:
    assert score_pulse(hr) == points


@pytest.mark.parametrize(
    ("t", "points"),
    [
        (35.0, 3),
        (35.1, 1),
        (36.0, 1),
        (36.1, 0),
        (38.0, 0),
        (38.1, 1),
        (39.0, 1),
        (39.1, 2),
        (35.05, 3),
        (38.05, 1),
    ],
)
def test_temperature_cut_points(t: float, points: int) -> None:
    assert score_temperature(t) == points


@pytest.mark.parametrize(("level", "points"), [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
def test_consciousness(level: str, points: int) -> None:
    assert score_consciousness(level) == points


def test_consciousness_rejects_unknown_level() -> None:
    with pytest.raises(ValueError, match="A, C, V, P, U"):
        score_consciousness("X")


@pytest.mark.parametrize(
    ("total", "red", "band"),
    [
        (0, False, "low"),
        (1, False, "low_elevated"),
        (4, False, "low_elevated"),
        (3, True, "low_medium"),
        (4, True, "low_medium"),
        (5, False, "medium"),
        (6, True, "medium"),
        (7, False, "high"),
        (20, True, "high"),
    ],
)
def test_bands(total: int, red: bool, band: str) -> None:
    assert band_for(total, red) == band


# risk.md section 2.1 test vectors: RR, SpO2, O2, SBP, HR, ACVPU, T, scale -> total, band
VECTORS = [
    (16, 98, False, 120, 70, "A", 37.0, False, 0, "low"),
    (8, 98, False, 120, 70, "A", 37.0, False, 3, "low_medium"),
    (21, 94, False, 111, 91, "A", 38.1, False, 5, "medium"),
    (24, 95, False, 100, 110, "A", 36.0, False, 7, "high"),
    (9, 92, False, 101, 111, "A", 39.1, False, 8, "high"),
    (25, 91, True, 90, 131, "C", 35.0, False, 20, "high"),
    (20, 93, True, 150, 80, "A", 37.0, True, 3, "low_elevated"),
    (20, 97, True, 150, 80, "A", 37.0, True, 5, "medium"),
    (20, 97, False, 150, 80, "A", 37.0, True, 0, "low"),
]


@pytest.mark.parametrize(("rr", "spo2", "o2", "sbp", "hr", "acvpu", "t", "s2", "total", "band"), VECTORS)
def test_risk_md_vectors(
    rr: float,
    spo2: float,
    o2: bool,
    sbp: float,
    hr: float,
    acvpu: str,
    t: float,
    s2: bool,
    total: int,
    band: str,
) -> None:
    r = news2(
        resp_rate=rr,
        spo2=spo2,
        on_oxygen=o2,
        sbp=sbp,
        heart_rate=hr,
        consciousness=acvpu,
        temperature=t,
        scale2=s2,
    )
    assert r.value == total
    assert r.band == band
    assert r.complete and r.missing == ()


def test_red_flag_on_scale2_vector() -> None:
    r = news2(
        resp_rate=20,
        spo2=97,
        on_oxygen=True,
        sbp=150,
        heart_rate=80,
        consciousness="A",
        temperature=37.0,
        scale2=True,
    )
    assert "red_score" in r.flags
    assert r.components["spo2"] == 3 and r.components["supplemental_o2"] == 2


def test_missing_parameters_are_listed_and_total_is_a_lower_bound() -> None:
    r = news2(
        resp_rate=26, spo2=None, on_oxygen=None, sbp=120, heart_rate=None, consciousness="A", temperature=None
    )
    assert not r.complete
    assert set(r.missing) == {"spo2", "supplemental_o2", "heart_rate", "temperature"}
    assert r.value == 3
    assert r.components["spo2"] is None
    assert ">=3" in r.detail and "missing" in r.detail


def test_nothing_present_is_not_low() -> None:
    r = news2(
        resp_rate=None,
        spo2=None,
        on_oxygen=None,
        sbp=None,
        heart_rate=None,
        consciousness=None,
        temperature=None,
    )
    assert not r.complete and len(r.missing) == 7

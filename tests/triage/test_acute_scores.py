"""CRB-65 and qSOFA: every criterion on both sides of its cut-point, bands and missing items."""

from __future__ import annotations

import pytest

from triage.scores.crb65 import crb65
from triage.scores.qsofa import qsofa

NORMAL = {"consciousness": "A", "resp_rate": 16.0, "sbp": 120.0, "dbp": 80.0, "age": 40.0}


@pytest.mark.parametrize(
    ("change", "points"),
    [
        ({"consciousness": "C"}, 1),
        ({"resp_rate": 29.0}, 0),
        ({"resp_rate": 30.0}, 1),
        ({"sbp": 90.0}, 0),
        ({"sbp": 89.0}, 1),
        ({"dbp": 61.0}, 0),
        ({"dbp": 60.0}, 1),
        ({"age": 64.0}, 0),
        ({"age": 65.0}, 1),
    ],
)
def test_crb65_items(change: dict[str, object], points: int) -> None:
    args = {**NORMAL, **change}
    assert crb65(**args).value == points  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "band"), [(0, "low"), (1, "intermediate"), (2, "intermediate"), (3, "high"), (4, "high")]
)
def test_crb65_bands(n: int, band: str) -> None:
    changes = [("consciousness", "V"), ("resp_rate", 31.0), ("sbp", 80.0), ("age", 80.0)][:n]
    assert crb65(**{**NORMAL, **dict(changes)}).band == band  # type: ignore[arg-type]


def test_crb65_bp_item_decided_by_one_pressure() -> None:
    r = crb65(consciousness="A", resp_rate=16, sbp=85, dbp=None, age=40)
    assert r.components["blood_pressure"] == 1 and r.complete
    r = crb65(consciousness="A", resp_rate=16, sbp=120, dbp=None, age=40)
    assert r.components["blood_pressure"] is None and r.missing == ("dbp",)


def test_crb65_missing_age_listed() -> None:
    r = crb65(consciousness="A", resp_rate=16, sbp=120, dbp=80, age=None)
    assert r.missing == ("age",) and not r.complete


@pytest.mark.parametrize(
    ("rr", "acvpu", "sbp", "total"),
    [
        (21, "A", 101, 0),
        (22, "A", 101, 1),
        (21, "C", 101, 1),
        (21, "A", 100, 1),
        (22, "A", 100, 2),
        (22, "U", 100, 3),
    ],
)
def test_qsofa_cut_points(rr: float, acvpu: str, sbp: float, total: int) -> None:
    r = qsofa(resp_rate=rr, consciousness=acvpu, sbp=sbp)
    assert r.value == total
    assert r.band == ("high" if total >= 2 else "low")


def test_qsofa_missing() -> None:
    r = qsofa(resp_rate=None, consciousness="A", sbp=None)
    assert set(r.missing) == {"resp_rate", "sbp"} and r.value == 0 and not r.complete

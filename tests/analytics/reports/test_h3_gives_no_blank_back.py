"""The H3 estimates give no blank count back: they are fitted on the clinic-months as published.

A clinic's interrupted time series ``effect`` is a weighted least squares coefficient, linear in
its months' kept-local counts with weights the published encounters and months fix; fitted on
every month, blank ones too, a clinic with one blank ``local_care`` month gave it back by
subtraction (on six generated clinics, seed 7, SYN-C0003's 2024-02 local care, 45, a complement
protecting a region-month's 3 encounters with insufficient data). The pooled time series and the
difference-in-differences are linear in the same shares."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.reports import impact
from analytics.reports.generate import GeneratorSpec, generate
from triage.cli import main


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One generated pool of six clinics, reported with and without --exact-counts."""
    base = tmp_path_factory.mktemp("h3-blank")
    generate(GeneratorSpec(clinics=6, rows=20_000, months=24, seed=7), base / "exports")
    out = {}
    for name, extra in (("published", []), ("exact", ["--exact-counts"])):
        out[name] = base / name
        args = ["report", "imbalance", "-i", str(base / "exports"), "-o", str(out[name]), "-q", *extra]
        assert main(args) == 0
    return out


def _table(run: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(run / "tables" / f"{name}.parquet")


def _month(text: str) -> int:
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def _solved_blanks(clinic_month: pd.DataFrame, per_clinic: pd.DataFrame) -> list[tuple[str, str, float]]:
    """What an analyst solves from the published tables alone: for a clinic whose months all have
    their encounters published and one its local care blank, that blank from the clinic's
    ``effect`` taken as the fit of every month (effect = row ``post`` of (X'NX)^-1 X' L)."""
    solved = []
    for row in per_clinic[per_clinic["status"] == "estimated"].itertuples():
        months = clinic_month[clinic_month["clinic_id"] == row.clinic_id]
        blank = months["local_care"].isna().to_numpy()
        if blank.sum() != 1 or months["encounters"].isna().any():
            continue
        t = np.array([_month(m) for m in months["month"]], dtype=float) - _month(str(row.start_month))
        post = (t >= 0).astype(float)
        x = np.column_stack([np.ones_like(t), t, post, post * t])
        n = months["encounters"].to_numpy(dtype=float)
        weights = np.linalg.solve(x.T @ (n[:, None] * x), x.T)[2]  # effect = weights @ local_care
        known = months["local_care"].to_numpy(dtype=float, na_value=0.0)
        value = (row.effect - float(weights[~blank] @ known[~blank])) / float(weights[blank][0])
        solved.append((str(row.clinic_id), str(months["month"].to_numpy()[blank][0]), value))
    return solved


def test_no_clinics_effect_gives_back_its_blank_local_care(runs: dict[str, Path]) -> None:
    published = _table(runs["published"], "clinic_month")
    exact = _table(runs["exact"], "clinic_month").set_index(["clinic_id", "month"])["local_care"]
    solved = _solved_blanks(published, _table(runs["published"], "h3_its_by_clinic"))
    assert solved  # the seed gives clinics with one blank local care month (SYN-C0003's 2024-02)
    given_back = [(c, m, v) for c, m, v in solved if abs(v - exact[(c, m)]) < 0.01]
    assert given_back == []


def test_every_h3_estimate_is_fitted_on_the_clinic_months_as_published(runs: dict[str, Path]) -> None:
    """An analyst re-fitting from clinic_month as published gets the report's estimates, and the
    table says how many of each clinic's months were left out for their blank counts."""
    run = runs["published"]
    clinic_month, per_clinic = _table(run, "clinic_month"), _table(run, "h3_its_by_clinic")
    starts = {
        str(c): None if pd.isna(s) else _month(str(s))
        for c, s in zip(per_clinic["clinic_id"], per_clinic["start_month"], strict=True)
    }
    refit = impact.its_per_clinic(clinic_month, starts).set_index("clinic_id")
    shown = per_clinic.set_index("clinic_id")
    estimated = shown["status"] == "estimated"
    for column in ("effect", "se", "ci_low", "ci_high", "share_before"):
        assert np.allclose(shown.loc[estimated, column], refit.loc[estimated[estimated].index, column])
    blank = clinic_month[["encounters", "local_care"]].isna().any(axis=1).groupby(clinic_month["clinic_id"])
    assert shown["months_left_out"].to_dict() == blank.sum().to_dict()
    left_out = int(shown["months_left_out"].sum())
    assert left_out > 0
    page = (run / "report.html").read_text(encoding="utf-8")
    assert f"H3 estimates are fitted on the clinic-months as published: {left_out} clinic-months with" in page
    assert "months_left_out: the clinic&#x27;s months whose counts are blank in clinic_month" in page
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    its, did = impact.pooled_its(refit.reset_index()), impact.stacked_did(clinic_month, starts)
    assert its is not None and did is not None
    assert np.isclose(summary["h3_its"]["effect"], its.effect) and np.isclose(summary["h3_its"]["se"], its.se)
    assert np.isclose(summary["h3_did"]["effect"], did.effect) and np.isclose(summary["h3_did"]["se"], did.se)


def test_with_exact_counts_every_month_is_fitted(runs: dict[str, Path]) -> None:
    per_clinic = _table(runs["exact"], "h3_its_by_clinic")
    assert (per_clinic["months_left_out"] == 0).all()

"""The rebuilt estimates against the paper's published numbers, and the hypotheses they support."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.study.hypothesis import HypothesisCheck
from analytics.study.models import FrameFits

PAPER_FIGURES = Path(__file__).resolve().parents[1] / "data" / "paper-figures.json"
ALPHA = 0.05


def paper_figures() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PAPER_FIGURES.read_text(encoding="utf-8"))
    return data


def _paper_significant(p: str) -> bool | None:
    """'<0.001', '<0.01', '<0.05' -> significant; '>0.05' -> not."""
    p = p.replace(" ", "")
    if p.startswith("<"):
        return float(p[1:]) <= ALPHA
    if p.startswith(">"):
        return False
    return None


def _sign(value: float, tol: float = 0.0) -> int:
    return 0 if abs(value) <= tol else int(math.copysign(1, value))


def coefficient_comparison(fits: FrameFits) -> pd.DataFrame:
    """Per published coefficient of Model 3: paper value and significance vs the rebuild."""
    frame_key = fits.frame.key
    published = paper_figures()["national" if frame_key == "national" else "zhejiang"]["model3"]
    table = fits.fits["Model 3"].to_frame()
    rows = []
    for term, paper in published.items():
        if term not in table.index:
            continue
        ours = table.loc[term]
        paper_sig = _paper_significant(str(paper.get("p", "")))
        our_sig = float(ours["p"]) < ALPHA
        paper_coef = float(paper["coef"])
        same_sign = _sign(paper_coef) == _sign(float(ours["coef"])) or (paper_coef == 0.0)
        rows.append(
            {
                "frame": frame_key,
                "term": term,
                "paper_coef": paper_coef,
                "paper_p": paper.get("p", ""),
                "paper_se": paper.get("se"),
                "rebuilt_coef": float(ours["coef"]),
                "rebuilt_se": float(ours["se"]),
                "rebuilt_p": float(ours["p"]),
                "same_sign": bool(same_sign),
                "same_significance": paper_sig is None or paper_sig == our_sig,
            }
        )
    return pd.DataFrame(rows)


def _term(fits: FrameFits, term: str) -> tuple[float, float, float]:
    row = fits.fits["Model 3"].to_frame().to_dict("index")[term]
    return float(row["coef"]), float(row["se"]), float(row["p"])


def hypotheses(
    national: FrameFits, zhejiang: FrameFits, imbalance: dict[str, float]
) -> list[HypothesisCheck]:
    """H1a, H1b, H2a, H2b as the study states them, judged on the rebuilt fits."""
    texts = paper_figures()["hypotheses"]
    checks = []
    pcf = [(_term(f, "nodeicov.PCF"), f.frame.key) for f in (national, zhejiang)]
    checks.append(
        HypothesisCheck(
            "H1a",
            texts["H1a"],
            all(p >= ALPHA for (_, _, p), _ in pcf),
            "; ".join(f"{key}: nodeicov.PCF = {c:.5f} (p = {p:.3g})" for (c, _, p), key in pcf),
        )
    )
    hth = [(_term(f, "nodeicov.HTH"), f.frame.key) for f in (national, zhejiang)]
    checks.append(
        HypothesisCheck(
            "H1b",
            texts["H1b"],
            all(c > 0 and p < ALPHA for (c, _, p), _ in hth),
            "; ".join(f"{key}: nodeicov.HTH = {c:.5f} (p = {p:.3g})" for (c, _, p), key in hth),
        )
    )
    occ_high = imbalance.get("bed_occupancy_high_tier", float("nan"))
    occ_primary = imbalance.get("bed_occupancy_primary_care", float("nan"))
    checks.append(
        HypothesisCheck(
            "H2a",
            texts["H2a"],
            bool(hth[0][0][0] > 0 and hth[0][0][2] < ALPHA and occ_high > occ_primary),
            f"HTH attracts mobility (national p = {hth[0][0][2]:.3g}) while bed occupancy is "
            f"{occ_high:.1f}% in high-tier hospitals vs {occ_primary:.1f}% in primary care",
        )
    )
    sd_nat = float(national.frame.nodes["HTH"].std())
    sd_zj = float(zhejiang.frame.nodes["HTH"].std())
    effect_nat = hth[0][0][0] * sd_nat
    effect_zj = hth[1][0][0] * sd_zj
    checks.append(
        HypothesisCheck(
            "H2b",
            texts["H2b"],
            effect_zj > effect_nat,
            f"log-odds change per SD of HTH: Zhejiang {effect_zj:.3f} vs national {effect_nat:.3f}",
        )
    )
    return checks

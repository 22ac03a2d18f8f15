"""The rebuilt estimates against the paper's published numbers, and the hypotheses they support."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import norm

from analytics.study.hypothesis import HypothesisCheck
from analytics.study.models import FrameFits, coefficient_text

PAPER_FIGURES = Path(__file__).resolve().parents[1] / "data" / "paper-figures.json"
ALPHA = 0.05
#: The paper prints coefficients to four decimals: a printed value stands for this interval around it.
PRINTED_HALF_STEP = 0.00005
#: The paper's tables of Model 1-3 estimates, per frame compared.
PAPER_TABLES = {"national": "Table 3", "zhejiang": "Table 4"}


def paper_figures(*, printed: bool = False) -> dict[str, Any]:
    """paper-figures.json; ``printed``: each decimal as the text the paper prints it with (GDP's
    "0.0000", which as a number is 0.0 and read "paper 0.0" beside its p < 0.001)."""
    text = PAPER_FIGURES.read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text, parse_float=str) if printed else json.loads(text)
    return data


def p_text(p: float, digits: int = 2) -> str:
    """A p value to ``digits`` significant digits, or more where fewer would round it across the
    0.05 level the text judges it by: 0.0496 had read "significant (p = 0.05)" and 0.0504 "not
    significant (p = 0.05)"."""
    for places in range(digits, 7):
        text = f"{p:.{places}g}"
        if (float(text) < ALPHA) == (p < ALPHA):
            return text
    return repr(p)


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


def _paper_sign(paper: dict[str, Any]) -> int | None:
    """The sign of a published coefficient; one printed as 0.0000 takes it from the text's words
    ("significantly positive"), else it is unknown (None) - not "the same as the rebuild's"."""
    coef = float(paper["coef"])
    if coef != 0.0:
        return _sign(coef)
    note = str(paper.get("note", ""))
    return 1 if "positive" in note else -1 if "negative" in note else None


def paper_source(frame_key: str) -> str:
    """Where a published value comes from, for the comparison's ``paper_source`` column."""
    return (
        f"paper, {PAPER_TABLES[frame_key]} Model 3 as quoted in its text (analytics/data/paper-figures.json)"
    )


def _verdict(
    paper: dict[str, Any], paper_sig: bool | None, coef: float, se: float, p: float
) -> tuple[bool | None, bool | None, bool, str]:
    """(same sign, same significance, paper value inside the rebuild's 95% CI, verdict in words).

    Reproduced: the same significance at 0.05, the same sign where either is significant, and the
    printed value (+- half its last digit) inside the rebuild's 95% confidence interval."""
    paper_coef, our_sig = float(paper["coef"]), p < ALPHA
    sign = _paper_sign(paper)
    same_sign = None if sign is None else sign == _sign(coef)
    same_sig = None if paper_sig is None else paper_sig == our_sig
    low, high = coef - 1.96 * se, coef + 1.96 * se
    inside = paper_coef + PRINTED_HALF_STEP >= low and paper_coef - PRINTED_HALF_STEP <= high
    problems = []
    if same_sig is False:
        problems.append(
            f"paper {'significant' if paper_sig else 'not significant'} (p {paper.get('p')}),"
            f" rebuild {'significant' if our_sig else 'not significant'} (p = {p_text(p)})"
        )
    if same_sign is False and (paper_sig or our_sig):
        problems.append(f"opposite sign (paper {paper_coef:+.4f}, rebuild {coef:+.3g})")
    if not inside:
        problems.append(f"paper {paper_coef:.4f} is outside the rebuild's 95% CI, {low:.3g} to {high:.3g}")
    verdict = "reproduced" if not problems else "NOT reproduced: " + "; ".join(problems)
    return same_sign, same_sig, inside, verdict


def drawn_with(term: str, truth: Mapping[str, Any] | None) -> float | None:
    """The coefficient of ``term`` (``nodeicov.PCF``) the data were drawn with, from study.json's
    ``true_coefficients`` of its frame (``truth``: ``{"PCF": 0.0, ...}``, as the embedded dataset's
    generator writes them); None for data without one (real data)."""
    value = (truth or {}).get(term.split(".")[-1])
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def why_not_reproduced(
    term: str, printed: str, paper_coef: float, truth: float | None, low: float, high: float
) -> str:
    """Why a published coefficient is not reproduced, when the data say what they were drawn with
    (``truth``): another value than the paper's, or the paper's with too small an effect to show as
    significant on these data; empty without a ``truth``. "NOT reproduced" alone, 6 of the 12 on the
    embedded dataset, had read as a fault of the fitting."""
    if truth is None:
        return ""
    inside = low <= truth <= high
    held = (
        "which the rebuild's 95% CI holds: the fit recovers what the data were drawn with"
        if inside
        else f"which the rebuild's 95% CI ({low:.3g} to {high:.3g}) misses: check the fit"
    )
    if abs(truth - paper_coef) > PRINTED_HALF_STEP:
        return (
            f"the SYNTHETIC data were drawn with {term} = {truth:g}, not the paper's {printed}"
            f" (study.json true_coefficients), {held}"
        )
    said = f"the SYNTHETIC data were drawn with the paper's value ({term} = {truth:g}, printed {printed}), {held}"
    return said + ("; on these data the effect is too small for its standard error" if inside else "")


def coefficient_comparison(fits: FrameFits, truth: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Per published coefficient of Model 3: the paper's value and significance (``paper_*``, from
    ``paper_source``) against the rebuild's (``rebuilt_*``, from ``rebuilt_from``), and a
    ``verdict`` saying in words whether the rebuild reproduces it and, if not, how it differs;
    ``truth``: the coefficients the frame's data were drawn with (study.json's
    ``true_coefficients``, SYNTHETIC data), for ``drawn_with``, ``drawn_in_rebuilt_ci95`` and
    ``why`` a coefficient is not reproduced."""
    frame = fits.frame
    frame_key = frame.key
    paper_key = "national" if frame_key == "national" else "zhejiang"
    published = paper_figures()[paper_key]["model3"]
    printed = paper_figures(printed=True)[paper_key]["model3"]
    table = fits.fits["Model 3"].to_frame()
    rebuilt_from = f"this rebuild, Model 3 on {frame.title} ({frame.source.removeprefix('Source: ')})"
    rows = []
    for term, paper in published.items():
        if term not in table.index:
            continue
        ours = table.loc[term]
        coef, se, p = float(ours["coef"]), float(ours["se"]), float(ours["p"])
        paper_sig = _paper_significant(str(paper.get("p", "")))
        same_sign, same_sig, inside, verdict = _verdict(paper, paper_sig, coef, se, p)
        drawn = drawn_with(term, truth)
        low, high = coef - 1.96 * se, coef + 1.96 * se
        why = (
            ""
            if verdict == "reproduced"
            else why_not_reproduced(term, str(printed[term]["coef"]), float(paper["coef"]), drawn, low, high)
        )
        rows.append(
            {
                "frame": frame_key,
                "term": term,
                "paper_coef": float(paper["coef"]),
                "paper_printed": str(printed[term]["coef"]),  # its digits: 0.0000, not 0.0
                "paper_p": paper.get("p", ""),
                # as printed too (its digits, as paper_printed's): the number had been re-formatted
                "paper_se": printed[term].get("se"),
                "paper_source": paper_source(frame_key),
                "rebuilt_coef": coef,
                "rebuilt_se": se,
                "rebuilt_p": p,
                "rebuilt_from": rebuilt_from,
                "same_sign": same_sign,
                "same_significance": same_sig,
                "paper_in_rebuilt_ci95": inside,
                "difference_se": (coef - float(paper["coef"])) / se if se > 0 else math.nan,
                "reproduced": verdict == "reproduced",
                "verdict": verdict,
                "drawn_with": drawn,
                "drawn_in_rebuilt_ci95": None if drawn is None else bool(low <= drawn <= high),
                "why": why,
            }
        )
    return pd.DataFrame(rows)


def not_reproduced(comparison: pd.DataFrame) -> str:
    """In words: how many published coefficients the rebuild does not reproduce, and which; how
    close the reproduced ones are (``difference_se``: rebuild minus paper, in the rebuild's SE)."""
    reproduced = comparison["reproduced"].astype(bool)
    missed = comparison[~reproduced]
    close: list[float] = (
        comparison.loc[reproduced, "difference_se"].abs().dropna().tolist()
        if "difference_se" in comparison
        else []
    )
    how_close = (
        f" The {len(close)} reproduced lie {min(close):.1f} to {max(close):.1f} of the rebuild's standard"
        " errors from the paper's printed values."
        if len(close)
        else ""
    )
    if missed.empty:
        return (
            f"The rebuild reproduces all {len(comparison)} published Model 3 coefficients compared."
            + how_close
        )
    which = "; ".join(
        f"{row['frame']} {row['term']} ({str(row['verdict']).removeprefix('NOT reproduced: ')})"
        for row in missed.to_dict("records")
    )
    return (
        f"The rebuild does NOT reproduce {len(missed)} of the {len(comparison)} published Model 3"
        f" coefficients compared: {which}.{_why(missed)}{how_close}"
    )


def _why(missed: pd.DataFrame) -> str:
    """One sentence on why, for the coefficients not reproduced whose data say what they were
    drawn with (``drawn_with``): the CI holds that value, which is or is not the paper's."""
    if "drawn_with" not in missed:
        return ""
    known = missed[missed["drawn_with"].notna()]
    if known.empty:
        return ""
    held = known[known["drawn_in_rebuilt_ci95"].astype(bool)]
    other = held[(held["drawn_with"] - held["paper_coef"]).abs() > PRINTED_HALF_STEP]
    same = held.drop(index=other.index)
    parts = []
    if len(other):
        listed = ", ".join(f"{r['frame']} {r['term']} {r['drawn_with']:g}" for r in other.to_dict("records"))
        parts.append(f"{len(other)} were drawn with another value than the paper's ({listed})")
    if len(same):
        listed = ", ".join(f"{r['frame']} {r['term']}" for r in same.to_dict("records"))
        parts.append(
            f"{len(same)} with the paper's, too small an effect for its standard error on these data ({listed})"
        )
    missed_fit = known.drop(index=held.index)
    if len(missed_fit):
        listed = ", ".join(f"{r['frame']} {r['term']}" for r in missed_fit.to_dict("records"))
        parts.append(f"for {len(missed_fit)} the rebuild's 95% CI misses the value drawn ({listed})")
    return (
        f" Why (column why): the data are SYNTHETIC, drawn with study.json's true_coefficients, and the"
        f" rebuild's 95% CI holds the value drawn for {len(held)} of these {len(known)}: "
        + "; ".join(parts)
        + "."
    )


#: The prefectures the paper names in Figure 7, by their GB/T 2260 code prefix (county codes of
#: Hangzhou start 3301, of Ningbo 3302).
FIGURE7_CITIES = {"Hangzhou": "3301", "Ningbo": "3302"}


def centrality_comparison(frame_key: str, centrality: pd.DataFrame) -> str:
    """Figure 7 against the paper's words ("above 0.068 in Ningbo and Hangzhou"): the rebuild's
    highest standardized in-degree among each city's units; empty when the frame has none of them."""
    said = str(paper_figures()["imbalance"]["centrality"]["zhejiang_max_regions"])
    ids = centrality["id"].astype(str)
    found = []
    for city, prefix in FIGURE7_CITIES.items():
        units = centrality[ids.str.startswith(prefix)]
        if not units.empty:
            row = units.sort_values("std_in_degree", ascending=False, kind="stable").iloc[0]
            name = f"{row['name']} " if "name" in units else ""
            found.append(f"{city} {row['std_in_degree']:.3f} ({name}{row['id']})")
    if not found:
        return ""
    return (
        f"Figure 7 ({frame_key}): the paper finds standardized in-degree {said}; the rebuild's highest"
        f" there: {', '.join(found)}."
    )


#: The values of Figures 3 and 5 the paper's text quotes (figures3_5_imbalance's indicator ->
#: where paper-figures.json holds it, and the factor from its unit to the table's: millions).
FIGURES_3_5_QUOTED = {
    "study_patients_high_tier": ("china_2021", "patients_high_tier_hospitals_million", 1e6),
    "study_patients_primary_care": ("china_2021", "patients_primary_care_million", 1e6),
    "study_bed_occupancy_high_tier": ("china_2021", "bed_occupancy_high_tier_pct", 1.0),
    "study_bed_occupancy_primary_care": ("china_2021", "bed_occupancy_primary_care_pct", 1.0),
    "study_zj_provincial_average": ("zhejiang_2021", "bed_occupancy_provincial_average_pct", 1.0),
    "study_zj_chsc_utilisation": ("zhejiang_2021", "bed_occupancy_community_health_service_centers_pct", 1.0),
    "study_zj_clinic_utilisation": ("zhejiang_2021", "bed_occupancy_clinics_pct", 1.0),
}


def imbalance_comparison(imbalance: pd.DataFrame) -> str:
    """Figures 3 and 5 against the paper: each value the paper's text quotes, as drawn
    (``imbalance``: figures3_5_imbalance) and as paper-figures.json holds it; the official bars are
    not the paper's. The rebuild said how Tables 3 and 4 and Figure 7 compare, not these."""
    quoted = paper_figures()["imbalance"]
    rows: dict[str, dict[Any, Any]] = {str(r["indicator"]): r for r in imbalance.to_dict("records")}
    same, differ = [], []
    for indicator, (group, key, factor) in FIGURES_3_5_QUOTED.items():
        paper = float(quoted[group][key])
        value = float(rows[indicator]["value"]) / factor
        label = str(rows[indicator]["label"]).removeprefix("study: ")
        if rows[indicator]["measure"] == "bed_occupancy":
            label, unit, paper_unit = f"bed occupancy {label}", "%", "%"
        else:
            unit = paper_unit = " million"
        if math.isclose(value, paper, rel_tol=1e-9):
            same.append(f"{label} {value:g}{unit}")
        else:
            differ.append(f"{label} {value:g}{unit} (paper {paper:g}{paper_unit})")
    official = int((imbalance["status"] == "official").sum())
    said = (
        f"Figures 3 and 5: {len(same)} of the {len(FIGURES_3_5_QUOTED)} values the paper quotes are drawn as it"
        f" prints them ({', '.join(same)})"
        if same
        else "Figures 3 and 5: none of the values the paper quotes is drawn as it prints them"
    )
    if differ:
        said += f"; NOT as printed: {', '.join(differ)}"
    return (
        f"{said}; the {official} official bars are published national figures set beside them, not the"
        " paper's (it quotes none of them)."
    )


def _lowest(fits: FrameFits, criterion: str) -> str:
    values = {name: float(getattr(fit, criterion)) for name, fit in fits.fits.items()}
    ranked = {name: v for name, v in values.items() if not math.isnan(v)}
    return min(ranked, key=ranked.__getitem__) if ranked else "none (no log-likelihood)"


def fit_comparison(fits: FrameFits, great_circle_geoprox: bool = False) -> pd.DataFrame:
    """AIC and BIC of Models 1-3, the paper's where it prints them (Table 4 only) against the
    rebuild's, with the best model by each: the paper picks Model 3 by both in both tables.

    ``note`` says where a row is not like for like: the paper's number of parameters (from its AIC
    and BIC) is not the rebuild's, or (``great_circle_geoprox``: the frame's GeoProx is 100 km /
    great-circle distance, as computed from coordinates or by the embedded dataset's generator)
    the paper measures GeoProx otherwise."""
    key = fits.frame.key
    published = paper_figures()["national" if key == "national" else "zhejiang"]
    printed = published.get("fit", {})
    source = f"paper, {PAPER_TABLES[key]} (analytics/data/paper-figures.json)"
    if "note" in printed:
        source += "; " + str(printed["note"]).split(";")[0]
    paper_best = str(published.get("best_model", ""))
    lowest = {
        criterion: min(printed[criterion], key=printed[criterion].__getitem__)
        for criterion in ("AIC", "BIC")
        if printed.get(criterion)
    }
    if lowest:
        # Table 4's own BIC is lowest for Model 2, though the text says Model 3 has the lowest AIC and BIC
        paper_best += (
            " (its printed values: "
            + ", ".join(
                f"Model {name.removeprefix('model')} by {criterion}" for criterion, name in lowest.items()
            )
            + ")"
        )
    rows = []
    for model, fit in fits.fits.items():
        number = model.replace(" ", "").lower()  # "Model 1" -> "model1", as paper-figures.json
        paper_k = printed_parameters(printed, number)
        rows.append(
            {
                "frame": key,
                "model": model,
                "paper_aic": printed.get("AIC", {}).get(number),
                "paper_bic": printed.get("BIC", {}).get(number),
                "paper_parameters": paper_k,
                "paper_best": paper_best,
                "paper_source": source,
                "rebuilt_aic": float(fit.aic),
                "rebuilt_bic": float(fit.bic),
                "rebuilt_parameters": len(fit.terms),
                "rebuilt_best": f"{_lowest(fits, 'aic')} by AIC, {_lowest(fits, 'bic')} by BIC",
                "note": _fit_note(fits, fit.terms, paper_k, printed, number, great_circle_geoprox),
            }
        )
    table = pd.DataFrame(rows)
    table["paper_parameters"] = table["paper_parameters"].astype("Int64")  # a whole number, or empty
    return table


def printed_parameters(printed: Mapping[str, Any], number: str) -> int | None:
    """How many parameters a printed model has, from its AIC and BIC: BIC - AIC = k (ln d - 2), d
    the dyads n(n - 1) of its N units (BIC's sample size in R's ergm); None when the paper does not
    print both, or they give no whole k."""
    aic, bic = printed.get("AIC", {}).get(number), printed.get("BIC", {}).get(number)
    units = printed.get("N")
    if aic is None or bic is None or not units:
        return None
    k = (float(bic) - float(aic)) / (math.log(units * (units - 1)) - 2)
    return round(k) if abs(k - round(k)) < 0.01 else None


def _fit_note(
    fits: FrameFits,
    terms: tuple[str, ...],
    paper_k: int | None,
    printed: Mapping[str, Any],
    number: str,
    great_circle_geoprox: bool,
) -> str:
    """Why a row's AIC and BIC are not like for like with the paper's: another number of
    parameters, or a GeoProx measured otherwise; empty when the paper prints nothing to compare."""
    if printed.get("AIC", {}).get(number) is None and printed.get("BIC", {}).get(number) is None:
        return ""
    said = []
    if paper_k is not None and paper_k != len(terms):
        said.append(
            f"not like for like: the paper's model has {paper_k} parameters (BIC - AIC ="
            f" k (ln {printed['N'] * (printed['N'] - 1)} - 2)), the rebuild's {len(terms)}; the paper"
            f" says its {PAPER_TABLES[fits.frame.key]} has fewer controls and does not say which"
        )
    if "edgecov.GeoProx" in terms and great_circle_geoprox:
        said.append(
            "GeoProx here is 100 km / great-circle distance; the paper's is the inverse Euclidean distance"
        )
    return "; ".join(said)


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
            "; ".join(
                f"{key}: nodeicov.PCF = {coefficient_text(c)} (p = {p_text(p, 3)})" for (c, _, p), key in pcf
            ),
        )
    )
    hth = [(_term(f, "nodeicov.HTH"), f.frame.key) for f in (national, zhejiang)]
    checks.append(
        HypothesisCheck(
            "H1b",
            texts["H1b"],
            all(c > 0 and p < ALPHA for (c, _, p), _ in hth),
            "; ".join(
                f"{key}: nodeicov.HTH = {coefficient_text(c)} (p = {p_text(p, 3)})" for (c, _, p), key in hth
            ),
        )
    )
    occ_high = imbalance.get("bed_occupancy_high_tier", float("nan"))
    occ_primary = imbalance.get("bed_occupancy_primary_care", float("nan"))
    checks.append(
        HypothesisCheck(
            "H2a",
            texts["H2a"],
            bool(hth[0][0][0] > 0 and hth[0][0][2] < ALPHA and occ_high > occ_primary),
            f"HTH attracts mobility (national p = {p_text(hth[0][0][2], 3)}) while bed occupancy is "
            f"{occ_high:.1f}% in high-tier hospitals vs {occ_primary:.1f}% in primary care (occupancy as"
            " quoted by the paper, unverified)",
        )
    )
    checks.append(_h2b(texts["H2b"], national, zhejiang))
    return checks


#: What H2b's evidence says of its standard error: why the summed variance is (slightly) too large.
H2B_CONSERVATIVE = (
    "SE of two fits taken as independent: the frames share no unit, but in real flows a move between"
    " two of Zhejiang's prefectures is a tie of both, which makes this SE too large and the test"
    " conservative - by at most 1% of the SE at the embedded frames' size (the national frame's 110"
    " dyads among Zhejiang's 11 cities, docs/study.md); the embedded SYNTHETIC frames are drawn"
    " apart, independent"
)


def h2b_difference(national: FrameFits, zhejiang: FrameFits) -> tuple[float, float, float, float]:
    """H2b's test: Model 3's HTH effect per standard deviation of HTH (log-odds of a tie per SD),
    Zhejiang's minus the national one, with the difference's standard error and two-sided p-value.
    The two are fits of two networks, taken as independent: the difference's variance is the sum of
    the two effects' (each SE times its frame's SD of HTH). The frames share no unit (Zhejiang's 88
    county-level units, the nation's 288 prefecture cities), but real moves between Zhejiang's
    prefectures would be ties of both, a positive correlation that makes the sum too large and the
    test conservative (:data:`H2B_CONSERVATIVE`; on the embedded data, drawn frame by frame, none).
    Returns (Zhejiang's, national, SE, p)."""
    (coef_nat, se_nat, _), (coef_zj, se_zj, _) = (_term(f, "nodeicov.HTH") for f in (national, zhejiang))
    sd_nat = float(national.frame.nodes["HTH"].std())
    sd_zj = float(zhejiang.frame.nodes["HTH"].std())
    se = math.hypot(se_nat * sd_nat, se_zj * sd_zj)
    difference = coef_zj * sd_zj - coef_nat * sd_nat
    p = 2 * float(norm.sf(abs(difference / se))) if se > 0 else float("nan")
    return coef_zj * sd_zj, coef_nat * sd_nat, se, p


def _h2b(text: str, national: FrameFits, zhejiang: FrameFits) -> HypothesisCheck:
    """H2b supported when Zhejiang's HTH effect per SD is larger than the national one at p < ALPHA:
    a larger point estimate alone (which it had taken) is as likely as not when the two are equal."""
    effect_zj, effect_nat, se, p = h2b_difference(national, zhejiang)
    return HypothesisCheck(
        "H2b",
        text,
        bool(effect_zj > effect_nat and p < ALPHA),
        f"log-odds change per SD of HTH: Zhejiang {effect_zj:.3f} vs national {effect_nat:.3f},"
        f" difference {effect_zj - effect_nat:+.3f} (SE {se:.3f}, p = {p_text(p, 3)}; supported only"
        f" when Zhejiang's is larger at p < {ALPHA:g}; {H2B_CONSERVATIVE}) (the rebuild's test; the"
        " paper argues H2b from Zhejiang's bed occupancy, its Figure 5)",
    )

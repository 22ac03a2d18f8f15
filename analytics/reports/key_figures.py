"""The report's key figures as an analyst reads them: percentages, points with their 95% CI.

One wording for the CLI and the HTML page, so the two never disagree (the page used to show the
raw ``summary.json`` values: 0.9688178580734822 and the H3 estimates as JSON objects).
"""

from __future__ import annotations

from typing import Any

from referral.plurals import counted, listed

#: Why an H3 estimate can be missing, per method (the data cannot identify it).
NOT_ESTIMABLE = {
    "h3_its": "no clinic with 3 months before and after its start",
    "h3_did": "no clinic with months before and after its start and a later or never starter to compare",
}
H3_LABELS = {
    "h3_its": "H3 interrupted time series",
    "h3_did": "H3 difference-in-differences",
}


#: What a missing key share means: the summary's shares are pool totals, never suppressed, so
#: one is missing only when its denominator is 0 ('-' said nothing of that).
NONE_TO_MEASURE = {
    "urgent_on_time_share": "n/a (no urgent referral arrived)",
    "justified_share": "n/a (no referral completed)",
}


#: The key shares in reading order, each with the one label the CLI line and the page's row both
#: print (the CLI said "urgent arrivals on time" where the page said "urgent referrals arriving
#: on time").
SHARE_LABELS = {
    "local_share": "resolved in primary care (local share)",
    "referral_rate": "referral rate",
    "urgent_on_time_share": "urgent referrals arriving on time",
    "justified_share": "completed referrals confirmed justified",
}


def percent(value: Any, missing: str = "-") -> str:
    """A share (0-1) as a percentage with one decimal; ``missing`` for a missing value."""
    return missing if value is None or value != value else f"{100 * float(value):.1f}%"


def share(summary: dict[str, Any], key: str) -> str:
    """A key share of the summary in %, or why there is none."""
    return percent(summary.get(key), NONE_TO_MEASURE.get(key, "n/a (no encounters)"))


def shares_line(summary: dict[str, Any]) -> str:
    """The key shares on one line, in the page's words: `triage report imbalance` prints it."""
    return ", ".join(f"{label} {share(summary, key)}" for key, label in SHARE_LABELS.items())


def h3_estimate(key: str, estimate: dict[str, Any] | None, planted: dict[str, Any] | None = None) -> str:
    """An H3 effect on the local share in percentage points, with its 95% CI and clinic count, and
    how close it comes to the effect `triage report generate` planted (``planted``, if known)."""
    if not estimate:
        return f"not estimable ({NOT_ESTIMABLE[key]})"
    clinics = counted(estimate["clinics"], "clinics")  # not "1 clinics"
    missing = estimate.get("ci_not_estimable")
    interval = (
        f"95% CI not estimable: {missing}"
        if missing
        else f"95% CI {100 * estimate['ci_low']:+.1f} to {100 * estimate['ci_high']:+.1f}"
    )
    said = f"local share {100 * estimate['effect']:+.1f} points ({interval}; {clinics})"
    if planted:
        truth = planted["effect"]
        away = f"{abs(100 * (estimate['effect'] - truth)):.1f} points from the estimate"
        if missing:  # no interval to hold it against
            return f"{said}; planted {100 * truth:+.1f} points (SYNTHETIC-truth.json), {away}"
        inside = estimate["ci_low"] <= truth <= estimate["ci_high"]
        said += (
            f"; planted {100 * truth:+.1f} points (SYNTHETIC-truth.json) {'inside' if inside else 'OUTSIDE'}"
            f" the 95% CI, {away}"
        )
    return said


def encounters_pooled(summary: dict[str, Any]) -> str:
    """Rows pooled of rows read and what was rejected, each count of its own input: the same
    words on the report page ("encounters pooled") and in ``triage report imbalance``'s output."""
    return (
        f"{summary['rows_pooled']:,} of {summary['rows_read']:,} read"
        f" ({summary['encounter_rows_rejected']:,} encounter rows rejected;"
        f" facilities tables: {summary['facility_rows_rejected']:,} rows rejected,"
        f" {summary['facility_values_left_empty']:,} values left empty;"
        f" {summary['files_rejected']} files rejected)"
    )


def most_central(summary: dict[str, Any]) -> str:
    """The most central receiving hospital and its standardized in-degree, or why there is none: a
    pool with no referral to a hospital left the key figure out of the page and the CLI, where
    every other one says n/a and why. Hospitals tied at the top are named together (``tied_with``):
    the first of them in id order had been named alone, as the network's hub, where a pool whose
    clinics all refer to the same three hospitals gives the three the same in-degree."""
    top = summary.get("top_hospital")
    if not top:
        return "none (no referral to a receiving hospital in the pool)"
    tied = top.get("tied_with") or []
    if tied:  # one of them named alone read as the network's hub
        return (
            f"{listed([top['facility_id'], *tied])}, tied (standardized in-degree"
            f" {top['standardized_in_degree']:.3f} each)"
        )
    return f"{top['facility_id']} (standardized in-degree {top['standardized_in_degree']:.3f})"


def small_cells(summary: dict[str, Any]) -> str:
    """What the small-cell suppression blanked, in the same words atop the report page and in
    ``triage report imbalance``'s output (the page had said "Counts from 1 to 4 are suppressed
    everywhere", the CLI nothing, and neither how many cells nor that larger counts are blanked
    with them), or that it was off (``--exact-counts``)."""
    if summary.get("exact_counts"):
        return (
            "not suppressed (--exact-counts): every count is shown as it is, those from 1 to 4"
            " included - for internal use only, not for release"
        )
    blank = summary.get("suppressed_cells")
    if blank == 0:
        return "none suppressed: no count from 1 to 4, nor any cell that would give one back"
    how_many = "cells" if blank is None else counted(blank, "cells")
    return (
        f"{how_many} suppressed (blank): every count from 1 to 4, the cells that would give one back"
        " by subtraction, and the rates built from them; --exact-counts shows them, for internal use only"
    )


def key_figures(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of the report's summary, in reading order."""
    data = {True: "SYNTHETIC", False: "real (every manifest says so)", None: "provenance unknown"}
    rows = [
        ("data", data[summary.get("synthetic")]),
        ("encounters pooled", encounters_pooled(summary)),
        ("clinics / regions / months", f"{summary['clinics']} / {summary['regions']} / {summary['months']}"),
    ]
    rows += [(label, share(summary, key)) for key, label in SHARE_LABELS.items()]
    rows += [
        (H3_LABELS[key], h3_estimate(key, summary.get(key), summary.get("h3_planted"))) for key in H3_LABELS
    ]
    rows.append(("most central receiving hospital", most_central(summary)))
    rows += [
        ("policy replay risk column", str(summary.get("risk_column") or "none")),
        ("engine", summary["engine"]),
    ]
    return rows

"""Counterfactual policy replay on the pooled log (pure).

The pooled log keeps, per assessment, the inputs of the referral decision: NEWS2, the model
risk, whether a red flag fired. Replaying a policy "refer when a red flag fired, or NEWS2 >= n,
or risk >= r" on those stored values gives, for each threshold pair:

* the projected load shift: referred share under the policy minus the observed referred share
  (positive = more patients sent to hospitals, negative = more kept in primary care);
* sensitivity for confirmed high-risk cases: of the completed referrals the receiving hospital
  confirmed as justified, the share the policy would still refer; ``missed`` counts the others.

Red flags always refer (a red flag is never lowered). Sensitivity is measured only on cases that
were referred and got feedback - the log has no outcome for patients kept local - so it is an
upper bound for the policy's real sensitivity; the report says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analytics.reports.errors import ReportInputError
from analytics.reports.schema import SMALL_CELL
from referral.errors import json_text
from referral.value_sets import RISK_MODELS_LABEL

if TYPE_CHECKING:  # pandas is imported where a table is built: parsing --thresholds does not need it
    import pandas as pd


@dataclass(frozen=True, order=True)
class Thresholds:
    news2: int
    risk: float
    """Model risk threshold, on the 0.01 grid the replay histogram keeps."""

    @property
    def label(self) -> str:
        return f"NEWS2>={self.news2} or risk>={self.risk:.2f}"


_ITEM = re.compile(r"^\s*(\d{1,2})\s*:\s*(0(?:\.\d{1,2})?|1(?:\.0{1,2})?)\s*$")


def parse_thresholds(items: list[str]) -> list[Thresholds]:
    """Parse ``NEWS2:RISK`` pairs such as ``5:0.20`` (also comma-separated in one item)."""
    out: list[Thresholds] = []
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            match = _ITEM.match(part)
            if match is None:
                raise ReportInputError(
                    f"--thresholds {json_text(part.strip())}: expected NEWS2:RISK, e.g. 5:0.20"
                    " (NEWS2 a whole number 0-20, risk 0-1 with at most 2 decimals)"
                )
            news2, risk = int(match.group(1)), float(match.group(2))
            if news2 > 20:
                raise ReportInputError(
                    f"--thresholds {json_text(part.strip())}: NEWS2 {news2} is outside 0-20"
                )
            out.append(Thresholds(news2, risk))
    return sorted(set(out))


def risk_column_note(risk_column: str) -> str:
    """What the replay's risk column is, in one sentence: the probability of a risk model trained
    on a teaching data set, so a threshold replayed on it is no clinical finding. Said by the
    imbalance report's notes, ``simulate``'s text output and every policy plot."""
    return (
        f"The policy replay runs on {risk_column}, the probability of a risk model: {RISK_MODELS_LABEL}"
        " (every risk model is trained on a teaching data set, docs/models.md); thresholds replayed on it"
        " are a teaching exercise, not a clinical finding."
    )


def labelled(curve: pd.DataFrame, risk_column: str | None) -> pd.DataFrame:
    """The curve with what its ``risk >= r`` is over in two last columns, on every row as its
    ``synthetic`` is: ``risk_column`` (the pooled column replayed, empty with none) and
    ``risk_column_label`` (:data:`RISK_MODELS_LABEL`: a teaching-data model's probability). The
    tables' CSV and Parquet files had said neither, so a curve copied out of the report read as
    thresholds on a clinical risk."""
    return curve.assign(
        risk_column=risk_column, risk_column_label=None if risk_column is None else RISK_MODELS_LABEL
    )


def policy_caption(risk_column: str | None) -> str:
    """The policy table's caption on the report's page: what each policy's ``risk >= r`` is over."""
    if risk_column is None:
        return "Each policy refers on a red flag or NEWS2 alone: no risk column was pooled."
    return (
        f"Each policy refers on a red flag, NEWS2 >= n or {risk_column} >= r; {risk_column} is the"
        f" probability of a risk model: {RISK_MODELS_LABEL}."
    )


def default_grid() -> list[Thresholds]:
    return [Thresholds(n, r) for r in (0.15, 0.20, 0.30) for n in range(2, 10)]


def replay(histogram: pd.DataFrame, grid: list[Thresholds]) -> pd.DataFrame:
    """One row per threshold pair: referred, load shift, confirmed cases caught and missed."""
    h = histogram
    n = h["encounters"].astype("float64")
    total = float(n.sum())
    observed = float((n * h["referred"]).sum())
    confirmed = float((n * h["confirmed"]).sum())
    rows: list[dict[str, object]] = []
    news2 = h["news2"].astype("Float64")
    risk = h["risk_pct"].astype("Float64")
    for t in grid:
        refer = (
            (h["red_flag"] == 1)
            | (news2 >= t.news2).fillna(False).astype(bool)
            | (risk >= round(t.risk * 100)).fillna(False).astype(bool)
        )
        referred = float(n[refer].sum())
        caught = float((n * h["confirmed"])[refer].sum())
        rows.append(
            {
                "policy": t.label,
                "news2_threshold": t.news2,
                "risk_threshold": t.risk,
                "encounters": int(total),
                "referred": int(referred),
                "referred_share": referred / total if total else float("nan"),
                "observed_referred_share": observed / total if total else float("nan"),
                "load_shift": (referred - observed) / total if total else float("nan"),
                "confirmed": int(confirmed),
                "confirmed_referred": int(caught),
                "missed": int(confirmed - caught),
                "sensitivity": caught / confirmed if confirmed else float("nan"),
            }
        )
    import pandas as pd

    return pd.DataFrame(rows)


CURVE_RATES = {
    "referred_share": ("referred", "encounters"),
    "load_shift": ("referred", "encounters"),
    "sensitivity": ("confirmed_referred", "confirmed"),
}
"""The curve's rates and the counts each is built from: a rate is blanked with its count (the
referred share times the published encounters gave back a blanked ``referred``; the load shift
minus the published observed share did too)."""


def published(curve: pd.DataFrame, small_cell: int = SMALL_CELL) -> pd.DataFrame:
    """The curve as the report publishes it: counts from 1 to 4 blank, with every rate built on one
    (``small_cell``: :data:`~analytics.reports.schema.EXACT_COUNTS` blanks nothing).

    ``encounters`` and ``confirmed`` are pool totals, the key figures ``summary.json`` publishes
    unsuppressed (:data:`analytics.reports.disclosure.POOL_TOTALS`): never blanked - a pool of 3
    encounters had its ``encounters`` blank in every row beside ``"encounters": 3``, and with it
    the referred share of a policy that refers no one. ``missed`` is ``confirmed -
    confirmed_referred`` and ``confirmed`` stands in every row, so a blank ``missed`` was the
    difference of two published counts, and a blank ``confirmed_referred`` likewise: each is
    blanked with the other (and the sensitivity)."""
    from analytics.reports.suppress import suppress  # with pandas: not needed to parse --thresholds

    out = suppress(curve, ["referred", "confirmed_referred", "missed"], CURVE_RATES, small_cell=small_cell)
    either = out["missed"].isna() | out["confirmed_referred"].isna()
    for col in ("missed", "confirmed_referred", "sensitivity"):
        out["suppressed_cells"] += (either & out[col].notna()).astype("int64")
        out[col] = out[col].mask(either)
    return out

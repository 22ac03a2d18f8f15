"""H3: did the local-resolution share change when digital triage started in a clinic? (pure)

Input: clinic-month counts (encounters, encounters kept in local care) and each clinic's start
month of digital triage. Two estimates, both in share points (0.10 = ten percentage points):

Both are fitted on the clinic-months as published (:func:`fitted_months`): a month whose count the
small-cell suppression blanked is left out, as an estimate fitted on it gave the blank back.

* Interrupted time series per clinic: weighted segmented regression
  ``share ~ 1 + t + post + post:(t - start)`` (weights = encounters, HC1 standard errors); the
  effect is the level change ``post`` at the start month. Clinics are combined by an
  inverse-variance weighted mean.
* Stacked difference-in-differences against clinics that started later: for every start month
  ``g``, the clinics starting at ``g`` against clinics not yet started by ``g + window`` (or
  never), months ``g - window .. g + window - 1``; two-way fixed effects (stack x clinic,
  stack x month) by weighted alternating projections; standard errors clustered by clinic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from referral.plurals import counted

MIN_MONTHS = 3
"""Months needed on each side of the start for a clinic's time series."""

MONTHS_LEFT_OUT = (
    "months_left_out: the clinic's months whose counts are blank in clinic_month (small cells, and"
    " the cells blanked so that none can be worked out), left out of its fit - every H3 estimate is"
    " fitted on the clinic-months as published, so that none gives a blank count back."
)
"""What ``h3_its_by_clinic``'s ``months_left_out`` is, and why: the table's caption on the page."""


def left_out_note(months: int) -> str | None:
    """The report's note on the clinic-months its H3 estimates leave out (None for none)."""
    if not months:
        return None
    return (
        f"H3 estimates are fitted on the clinic-months as published: {counted(months, 'clinic-months')}"
        " with a blank count (small cells) left out (h3_its_by_clinic's months_left_out). Fitted on"
        " them, a clinic's estimate, linear in its monthly counts, gave its one blank count back; they"
        " are the months with the fewest patients and the cells blanked to protect them, so in a small"
        " pool the estimates lose some precision (--exact-counts fits every month, for internal use)."
    )


MIN_DID_CLINICS = 2
"""Clinics needed on each side of the difference-in-differences - clinics that started digital
triage, and comparison clinics - for its interval. Its standard error is clustered by clinic: with
one clinic on a side, that clinic's own month-to-month swings are inseparable from the effect and
the clustered variance cannot see them (it is not consistent: Conley and Taber 2011; MacKinnon and
Webb 2017), and with two clinics in all the t interval has 1 degree of freedom (t = 12.7): the
interval is then no measure of the uncertainty (on `triage report generate --clinics 2 --rows 600`,
seeds 1, 2, 5, 6 and 7, it ran 9 to 45 points either side of the estimate and missed the planted
effect 3 times in 5)."""


@dataclass(frozen=True)
class Estimate:
    effect: float
    low: float
    high: float
    se: float
    n: int
    """Clinics contributing (for the difference-in-differences: clinics that started)."""
    comparison: int | None = None
    """The difference-in-differences' comparison clinics (later or never starters); None for the
    time series, which compares each clinic with itself."""
    interval_note: str | None = None
    """Why there is no interval (``low``, ``high`` and ``se`` NaN); None when there is one."""

    def row(self, method: str) -> dict[str, object]:
        def number(value: float) -> float | None:
            return None if math.isnan(value) else value

        return {
            "method": method,
            "effect": self.effect,
            "ci_low": number(self.low),
            "ci_high": number(self.high),
            "se": number(self.se),
            "clinics": self.n,
            "comparison_clinics": self.comparison,
            "ci_not_estimable": self.interval_note,
        }


def did_interval_problem(started: int, comparison: int) -> str | None:
    """Why the difference-in-differences has no 95% CI with ``started`` clinics that started
    digital triage and ``comparison`` clinics to compare them with, or None (:data:`MIN_DID_CLINICS`)."""
    if started >= MIN_DID_CLINICS and comparison >= MIN_DID_CLINICS:
        return None

    return (
        f"needs at least {MIN_DID_CLINICS} clinics that started digital triage and {MIN_DID_CLINICS} to"
        f" compare them with (here {started} and {comparison}): its standard error is clustered by"
        " clinic, and one clinic alone on a side cannot be told apart from the effect"
    )


def month_index(months: pd.Series) -> pd.Series:
    if months.empty:  # a clinic whose every month is blank (small cells): nothing to fit
        return pd.Series(index=months.index, dtype="int64")
    parts = months.str.split("-", expand=True).astype(int)
    return parts[0] * 12 + parts[1] - 1


def start_months(
    clinic_month: pd.DataFrame, directory_starts: dict[str, str | None]
) -> dict[str, int | None]:
    """Start month index per clinic: the facility directory's date, else the first digital day seen."""
    out: dict[str, int | None] = {}
    for clinic, rows in clinic_month.groupby("clinic_id"):
        start = directory_starts.get(str(clinic))
        if not isinstance(start, str) or not start:
            seen = rows["first_digital_day"].dropna()
            start = str(seen.min()) if len(seen) else None
        out[str(clinic)] = None if not start else int(start[:4]) * 12 + int(start[5:7]) - 1
    return out


def fitted_months(clinic_month: pd.DataFrame) -> pd.DataFrame:
    """The clinic-months an H3 estimate is fitted on: those whose ``encounters`` and ``local_care``
    are both published. A month blanked by the small-cell suppression is left out: fitted on it, an
    estimate (linear in the months' kept-local counts, with weights the published encounters fix)
    gave a clinic's one blank count back by subtraction."""
    return clinic_month[clinic_month["encounters"].notna() & clinic_month["local_care"].notna()]


def its_per_clinic(clinic_month: pd.DataFrame, starts: dict[str, int | None]) -> pd.DataFrame:
    """One row per clinic of ``clinic_month`` (as published: a month with a blank count is left
    out of its fit and counted in ``months_left_out``, :func:`fitted_months`)."""
    rows: list[dict[str, object]] = []
    for clinic, months in clinic_month.groupby("clinic_id"):
        start = starts.get(str(clinic))
        data = fitted_months(months)
        t = month_index(data["month"]).to_numpy(dtype=float)
        n = data["encounters"].to_numpy(dtype=float)
        y = data["local_care"].to_numpy(dtype=float) / np.where(n > 0, n, np.nan)
        base: dict[str, object] = {
            "clinic_id": clinic,
            "start_month": _month_text(start),
            "months_left_out": len(months) - len(data),
        }
        if start is None:
            rows.append(base | {"status": "never started"})
            continue
        post = (t >= start).astype(float)
        if post.sum() < MIN_MONTHS or (1 - post).sum() < MIN_MONTHS:
            rows.append(base | {"status": f"fewer than {MIN_MONTHS} months before or after the start"})
            continue
        design = np.column_stack([np.ones_like(t), t - start, post, post * (t - start)])
        fit = sm.WLS(y, design, weights=n).fit(cov_type="HC1")
        effect, se = float(fit.params[2]), float(fit.bse[2])
        low, high = (float(v) for v in fit.conf_int()[2])
        before = float(data["local_care"][post == 0].sum() / n[post == 0].sum())
        rows.append(
            base
            | {
                "status": "estimated",
                "share_before": before,
                "effect": effect,
                "ci_low": low,
                "ci_high": high,
                "se": se,
                "months_before": int((1 - post).sum()),
                "months_after": int(post.sum()),
            }
        )
    table = pd.DataFrame(rows)
    if "months_after" in table:  # the months left out last, beside the months fitted
        table = table[[c for c in table.columns if c != "months_left_out"] + ["months_left_out"]]
    for count in ("months_before", "months_after", "months_left_out"):  # 10, not 10.0 beside a NaN
        if count in table:
            table[count] = table[count].astype("Int64")
    return table


def pooled_its(per_clinic: pd.DataFrame) -> Estimate | None:
    """Inverse-variance weighted mean of the clinics' level changes."""
    if "effect" not in per_clinic:
        return None
    ok = per_clinic.dropna(subset=["effect", "se"])
    ok = ok[ok["se"] > 0]
    if ok.empty:
        return None
    w = 1.0 / ok["se"].to_numpy(dtype=float) ** 2
    effect = float(np.sum(w * ok["effect"].to_numpy(dtype=float)) / w.sum())
    se = float(math.sqrt(1.0 / w.sum()))
    return Estimate(effect, effect - 1.96 * se, effect + 1.96 * se, se, len(ok))


def _month_text(index: int | None) -> str | None:
    return None if index is None else f"{index // 12:04d}-{index % 12 + 1:02d}"


def stacked_did(
    clinic_month: pd.DataFrame, starts: dict[str, int | None], window: int = 6
) -> Estimate | None:
    """Difference-in-differences of each start cohort against later starters, stacked, on the
    clinic-months whose counts are published (:func:`fitted_months`)."""
    published = fitted_months(clinic_month)
    data = published.assign(t=month_index(published["month"]))
    stacks: list[pd.DataFrame] = []
    compared: set[str] = set()
    cohorts = sorted({s for s in starts.values() if s is not None})
    for g in cohorts:
        rows = data[(data["t"] >= g - window) & (data["t"] < g + window) & (data["encounters"] > 0)]
        # A clinic seen on one side of g only is absorbed by its own fixed effect and identifies
        # nothing (a clinic whose first month is its start month would make the panel singular).
        seen = set(rows.loc[rows["t"] < g, "clinic_id"]) & set(rows.loc[rows["t"] >= g, "clinic_id"])
        treated = [c for c, s in starts.items() if s == g and c in seen]
        controls = [c for c, s in starts.items() if (s is None or s >= g + window) and c in seen]
        if not treated or not controls:
            continue
        compared.update(controls)
        part = rows[rows["clinic_id"].isin(treated + controls)]
        part = part.assign(
            stack=g,
            d=((part["clinic_id"].isin(treated)) & (part["t"] >= g)).astype(float),
        )
        stacks.append(part)
    if not stacks:
        return None
    panel = pd.concat(stacks, ignore_index=True)
    w = panel["encounters"].to_numpy(dtype=float)
    y = (panel["local_care"].astype(float) / panel["encounters"].astype(float)).to_numpy(dtype=float)
    d = panel["d"].to_numpy(dtype=float)
    unit = pd.factorize(panel["stack"].astype(str) + "|" + panel["clinic_id"].astype(str))[0]
    period = pd.factorize(panel["stack"].astype(str) + "|" + panel["t"].astype(str))[0]
    y_dm, d_dm = _demean(y, w, unit, period), _demean(d, w, unit, period)
    information = float(np.sum(w * d_dm * d_dm))
    if information <= 1e-12 * float(np.sum(w * d * d)):
        return None  # treatment absorbed by the fixed effects: not estimable
    beta = float(np.sum(w * d_dm * y_dm)) / information
    treated_clinics = int(panel.loc[panel["d"] > 0, "clinic_id"].nunique())
    problem = did_interval_problem(treated_clinics, len(compared))
    if problem is not None:
        nan = float("nan")
        return Estimate(beta, nan, nan, nan, treated_clinics, len(compared), problem)
    resid = y_dm - beta * d_dm
    clusters = pd.factorize(panel["clinic_id"])[0]
    scores = np.bincount(clusters, weights=w * d_dm * resid)
    groups = int(clusters.max()) + 1
    variance = groups / (groups - 1) * float(np.sum(scores**2)) / information**2
    se = math.sqrt(variance)
    crit = float(stats.t.ppf(0.975, groups - 1))
    return Estimate(beta, beta - crit * se, beta + crit * se, se, treated_clinics, len(compared))


def _demean(
    values: np.ndarray, w: np.ndarray, a: np.ndarray, b: np.ndarray, iterations: int = 200
) -> np.ndarray:
    """Weighted two-way within transformation by alternating projections."""
    out = values.astype(float).copy()
    wa, wb = np.bincount(a, weights=w), np.bincount(b, weights=w)
    for _ in range(iterations):
        out -= (np.bincount(a, weights=w * out) / wa)[a]
        shift = (np.bincount(b, weights=w * out) / wb)[b]
        out -= shift
        if float(np.max(np.abs(shift))) < 1e-12:
            break
    return out

"""qSOFA (Seymour CW et al., JAMA 2016;315:762): RR >=22/min, altered mentation, SBP <=100 mmHg.

One point each; >=2 means a high risk of poor outcome in suspected infection. Altered mentation
is taken as ACVPU other than Alert (the paper uses GCS <15). Missing items add no points and make
the total a lower bound (``complete`` false); below 2 with missing items that could reach it, the
band is ``incomplete``, not ``low`` (one point per missing item). Derived in adults: not applicable under 18 years.
"""

from __future__ import annotations

from triage import phrases
from triage.scores.result import (
    UNDETERMINED_SPECS,
    ScoreResult,
    adults_only,
    among,
    could_reach,
    incomplete,
    no_inputs,
    score_result,
    undetermined,
)

_HIGH = phrases.QSOFA_HIGH.printf({"total": "%s%s"})
_LOW = phrases.QSOFA_LOW.printf({"total": "%s%s"})
_UNDETERMINED = phrases.QSOFA_UNDETERMINED.printf(UNDETERMINED_SPECS)
THRESHOLD = 2
MAXIMUM = {"resp_rate": 1, "consciousness": 1, "sbp": 1}

REFERENCE = "Seymour CW et al. JAMA 2016;315(8):762-774 (qSOFA)"


def qsofa(
    *,
    resp_rate: float | None,
    consciousness: str | None,
    sbp: float | None,
    censored: tuple[str, ...] = (),
    age: float | None = None,
) -> ScoreResult:
    child = adults_only("qsofa", age, reference=REFERENCE)
    if child is not None:
        return child
    components: dict[str, int | None] = {
        "resp_rate": None if resp_rate is None else int(resp_rate >= 22),
        "consciousness": None if consciousness is None else int(consciousness != "A"),
        "sbp": None if sbp is None else int(sbp <= 100),
    }
    missing = tuple([k for k, v in components.items() if v is None])
    present = [v for v in components.values() if v is not None]
    if not present:
        return no_inputs("qsofa", components, missing, reference=REFERENCE)
    total = sum(present)
    band = "high" if total >= THRESHOLD else "low"
    detail = (_HIGH if total >= THRESHOLD else _LOW) % ((">=" if missing else ""), total)
    most = could_reach(components, MAXIMUM, THRESHOLD)
    if most is not None:
        band, detail = "incomplete", undetermined(_UNDETERMINED, components, total, most)
    if missing:
        detail += incomplete(missing)
    return score_result(
        name="qsofa",
        value=float(total),
        band=band,
        complete=not missing,
        components=components,
        missing=missing,
        censored=among(censored, ("resp_rate", "sbp")),
        detail=detail,
        reference=REFERENCE,
    )

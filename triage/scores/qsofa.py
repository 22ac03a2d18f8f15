"""qSOFA (Seymour CW et al., JAMA 2016;315:762): RR >=22/min, altered mentation, SBP <=100 mmHg.

One point each; >=2 means a high risk of poor outcome in suspected infection. Altered mentation
is taken as ACVPU other than Alert (the paper uses GCS <15). Missing items add no points and make
the total a lower bound (``complete`` false). Derived in adults: not applicable under 18 years.
"""

from __future__ import annotations

from triage import phrases
from triage.scores.result import ScoreResult, adults_only, among, incomplete, no_inputs

_HIGH = phrases.QSOFA_HIGH.printf({"total": "%s%s"})
_LOW = phrases.QSOFA_LOW.printf({"total": "%s%s"})

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
    band = "high" if total >= 2 else "low"
    detail = (_HIGH if total >= 2 else _LOW) % ((">=" if missing else ""), total)
    if missing:
        detail += incomplete(missing)
    return ScoreResult.of(
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

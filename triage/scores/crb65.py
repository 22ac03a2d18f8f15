"""CRB-65 (Lim WS et al., Thorax 2003;58:377; BTS 2009; NICE NG138) for pneumonia in primary care.

One point each: new Confusion (ACVPU other than Alert), Respiratory rate >=30/min, Blood pressure
SBP <90 or DBP <=60 mmHg, age >=65. 0 low risk (<1 % mortality, home treatment); 1-2
intermediate (1-10 %, consider hospital); 3-4 high (>10 %, urgent admission).

Only meaningful for suspected pneumonia: the policy decides which bands route. Missing items add
no points; the total is then a lower bound (``complete`` false): 0 with items missing is not
``low`` but ``incomplete`` (each missing item could add its point). The BP item is decided by either
pressure alone when that one fires. Age in completed years (64.9 is 64: no point); derived in
adults (community-acquired pneumonia in adults): not applicable under 18 years.
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
    years,
)

_DETAIL = phrases.CRB65.printf({"total": "%s%s", "band": "%s"})
_UNDETERMINED = phrases.CRB65_UNDETERMINED.printf(UNDETERMINED_SPECS)
MAXIMUM = {"confusion": 1, "resp_rate": 1, "age": 1, "blood_pressure": 1}

REFERENCE = "Lim WS et al. Thorax 2003;58:377-382 (CRB-65); NICE NG138"


def band_for(total: int) -> str:
    if total >= 3:
        return "high"
    if total >= 1:
        return "intermediate"
    return "low"


def crb65(
    *,
    consciousness: str | None,
    resp_rate: float | None,
    sbp: float | None,
    dbp: float | None,
    age: float | None,
    censored: tuple[str, ...] = (),
) -> ScoreResult:
    child = adults_only("crb65", age, reference=REFERENCE)
    if child is not None:
        return child
    components: dict[str, int | None] = {
        "confusion": None if consciousness is None else int(consciousness != "A"),
        "resp_rate": None if resp_rate is None else int(resp_rate >= 30),
        "age": None if age is None else int(years(age) >= 65),
    }
    bp_fires = (sbp is not None and sbp < 90) or (dbp is not None and dbp <= 60)
    components["blood_pressure"] = 1 if bp_fires else (0 if sbp is not None and dbp is not None else None)
    missing = [k for k, v in components.items() if v is None]
    names = {"confusion": "consciousness", "resp_rate": "resp_rate", "age": "age"}
    missing_inputs = [names[m] for m in missing if m in names]
    if "blood_pressure" in missing:
        missing_inputs += [n for n, v in (("sbp", sbp), ("dbp", dbp)) if v is None]
    present = [v for v in components.values() if v is not None]
    if not present:
        return no_inputs("crb65", components, missing_inputs, reference=REFERENCE)
    total = sum(present)
    band = band_for(total)
    detail = _DETAIL % ((">=" if missing else ""), total, band)
    most = could_reach(components, MAXIMUM, 1)  # above low: intermediate from 1 point
    if most is not None:
        band, detail = "incomplete", undetermined(_UNDETERMINED, components, total, most)
    if missing_inputs:
        detail += incomplete(missing_inputs)
    return score_result(
        name="crb65",
        value=float(total),
        band=band,
        complete=not missing,
        components=components,
        missing=tuple(missing_inputs),
        censored=among(censored, ("resp_rate", "sbp", "dbp")),
        detail=detail,
        reference=REFERENCE,
    )

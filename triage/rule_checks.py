"""The glycaemia and kidney rules' checks (``triage.rules`` names the rules; these find what fires
them). Pure: no I/O, no framework."""

from __future__ import annotations

from collections.abc import Callable

from triage.evidence import Evidence, Finding, Values


def mmhg(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


# the readings a glycaemia rule names, each as a person reads it (the staff pages' names)
_GLYCAEMIA_READINGS = {
    "glucose_fasting": "fasting glucose {}",
    "glucose_random": "random glucose {}",
    "hba1c": "HbA1c {}",
    "urine_ketones": "urine ketones {} (dipstick)",
}


def glycaemia_flag(flag: str, text: str) -> Callable[[Evidence], Finding | None]:
    """The reading(s) first, then what to do: ``random glucose 2.6 mmol/L: glucose below the
    critical low: treat now ...`` (the rule's ``; measured <time>`` follows)."""

    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get("glycaemia")
        if s is None or flag not in s.flags:
            return None
        values: Values = {k: ev.shown(k) for k in _GLYCAEMIA_READINGS if k in ev.latest}
        shown = ", ".join(_GLYCAEMIA_READINGS[k].format(v) for k, v in values.items())
        return Finding(values, f"{shown}: {text}" if shown else text)

    return check


# a diabetes-range glucose or HbA1c: suspected diabetes to confirm, or in known diabetes a matter of
# control against the individual target (ADA 2025 s6; 中国2型糖尿病防治指南 2020: HbA1c <7.0 % for
# most adults), not a diagnosis to confirm; values["diabetes_range"] names which
_DIABETES_RANGE = {
    kind: glycaemia_flag("diabetes_range", text)
    for kind, text in (
        ("suspected", "diabetes-range result (suspected; confirm with a repeat laboratory test)"),
        (
            "known_diabetes",
            "known diabetes: glycaemic control, not a diagnosis - review treatment against the individual"
            " target (HbA1c <7.0 % for most adults)",
        ),
    )
}


def diabetes_range(ev: Evidence) -> Finding | None:
    kind = "known_diabetes" if ev.patient.diabetes else "suspected"
    found = _DIABETES_RANGE[kind](ev)
    if found is not None:
        found.values["diabetes_range"] = kind
    return found


def kidney_flag(flags: tuple[str, ...], text: str) -> Callable[[Evidence], Finding | None]:
    wanted = frozenset(flags)

    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get("kidney")
        if s is None or wanted.isdisjoint(s.flags):
            return None
        return Finding(
            {"egfr": s.value, "acr": ev.num("albumin_creatinine_ratio"), "creatinine": ev.num("creatinine")},
            f"{s.detail}: {text}",
        )

    return check


def proteinuria(ev: Evidence) -> Finding | None:
    protein = ev.values.get("urine_protein")
    if protein not in ("1+", "2+", "3+", "4+"):
        return None
    bp = ev.scores.get("blood_pressure")
    raised = bp is not None and bp.band in ("grade_1", "grade_2", "grade_3", "stage_1", "stage_2")
    if not (ev.patient.hypertension or raised):
        return None
    if ev.patient.hypertension:
        why = "known hypertension"
    else:
        grade = str(bp.band if bp is not None else "").replace("_", " ")
        why = f"blood pressure {mmhg(ev.num('sbp'))}/{mmhg(ev.num('dbp'))} mmHg ({grade} range)"
    return Finding(
        {
            "urine_protein": protein,
            "hypertension": ev.patient.hypertension,
            "sbp": ev.num("sbp"),
            "dbp": ev.num("dbp"),
        },
        f"urine protein {protein} (dipstick) with {why}: check ACR and creatinine; refer (non-emergency)",
    )


def unquantified_proteinuria(levels: tuple[str, ...], text: str) -> Callable[[Evidence], Finding | None]:
    """Dipstick protein at ``levels`` with no ACR to quantify it and without hypertension (with it,
    ``proteinuria_with_hypertension`` refers at >=1+; an ACR decides through ``albuminuria``)."""

    def check(ev: Evidence) -> Finding | None:
        protein = ev.values.get("urine_protein")
        if protein not in levels or "albumin_creatinine_ratio" in ev.latest or proteinuria(ev) is not None:
            return None
        return Finding({"urine_protein": protein}, f"urine protein {protein} (dipstick) and no ACR: {text}")

    return check

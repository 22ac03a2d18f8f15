"""The cardiometabolic risk-factor rules: total cholesterol, 10-year cardiovascular risk (or, with
established ASCVD, secondary prevention instead) and diabetes risk scores."""

from __future__ import annotations

from triage.evidence import Evidence, Finding, Values
from triage.rules.point_scores import score_at_least
from triage.rules.rule import HEARTS_ROUTINE_REF, L, R, Rule

TC_REFER_MMOL_L = 8.0
TC_REFER_MGDL = 310.0  # the mg/dL member of the HEARTS-D pair ">8 mmol/L (310 mg/dL)"


def _total_cholesterol(ev: Evidence) -> Finding | None:
    tc = ev.num("total_cholesterol")
    if tc is None:
        return None
    # compared in the unit it was reported in, as printed: 310 mg/dL (8.02 mmol/L) is not above it
    reading = ev.latest.get("total_cholesterol")
    mg = None if reading is None else reading.reported_numeric("mg/dL")
    if (tc <= TC_REFER_MMOL_L) if mg is None else (mg <= TC_REFER_MGDL):
        return None
    return Finding(
        {"total_cholesterol": ev.shown("total_cholesterol")},
        f"total cholesterol {ev.shown('total_cholesterol')} above 8 mmol/L (310 mg/dL): refer (non-emergency);"
        " consider familial hypercholesterolaemia",
    )


def _diabetes_screen(ev: Evidence) -> Finding | None:
    values: Values = {}
    cdrs, fr = ev.scores.get("cdrs"), ev.scores.get("findrisc")
    if cdrs is not None and cdrs.value is not None and cdrs.value >= 25:
        values["cdrs"] = cdrs.value
    if fr is not None and fr.value is not None and fr.value >= 15:
        values["findrisc"] = fr.value
    if not values or ev.patient.diabetes:
        return None
    cut = {"cdrs": "CDRS %g points (>=25)", "findrisc": "FINDRISC %g points (>=15)"}
    scores = ", ".join([cut[name] % points for name, points in values.items() if isinstance(points, float)])
    return Finding(values, f"{scores}: high diabetes risk: offer OGTT / fasting glucose and HbA1c")


SECONDARY_PREVENTION_REF = (
    "Grundy SM et al. 2018 AHA/ACC cholesterol guideline, Circulation 2019;139:e1082 (clinical ASCVD);"
    " Visseren FLJ et al. 2021 ESC prevention guideline, Eur Heart J 2021;42:3227 (very high risk)"
)


def _established_ascvd(ev: Evidence) -> Finding | None:
    # one check on the patient record (triage.patient.KNOWN_ASCVD_MEANS): no reading is read
    if not ev.patient.known_ascvd:
        return None
    return Finding(
        {"known_ascvd": True},
        "established ASCVD: secondary prevention, at very high risk without a 10-year estimate"
        " (China-PAR, the PCE and the cvd10 and stroke10 models do not apply); manage in primary"
        " care: statin, antiplatelet, blood pressure and smoking against secondary-prevention"
        " targets; no referral for it alone",
    )


RISK_FACTORS: tuple[Rule, ...] = (
    Rule(
        "total_cholesterol_above_8", R, "Total cholesterol >8 mmol/L", HEARTS_ROUTINE_REF, _total_cholesterol
    ),
    Rule(
        "cvd_risk_high",
        L,
        "China-PAR 10-year ASCVD risk >=10 %: risk-factor management",
        "中国心血管病风险评估和管理指南 2019",
        score_at_least(
            "china_par", 10.0, "high 10-year risk: manage risk factors (statin, blood pressure, smoking)"
        ),
    ),
    Rule(
        "established_ascvd",
        L,
        "Established ASCVD: secondary prevention (no 10-year risk estimate)",
        SECONDARY_PREVENTION_REF,
        _established_ascvd,
    ),
    Rule(
        "diabetes_risk_high",
        L,
        "CDRS >=25 or FINDRISC >=15 without known diabetes: screen",
        "Zhou X et al. Diabetes Care 2013; Lindström J. Diabetes Care 2003",
        _diabetes_screen,
    ),
)

"""The routing rules: named, cited predicates over the scores and the latest usable readings.

Each rule says which level it asks for by default; a clinic policy (``triage.policy``) may move a
rule to another level or switch it off, except that a **red-flag** rule can never be switched
off or set below its ``minimum`` level. Rules see only usable observations (final or corrected,
not QC, fresh); censored values enter as described in ``triage.observation``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from triage.assessment import Disposition
from triage.evidence import Evidence as Evidence
from triage.evidence import Finding as Finding
from triage.evidence import Values as Values
from triage.evidence import evidence as evidence
from triage.rule_checks import (
    adolescent_severe_hypertension,
    diabetes_range,
    glycaemia_flag,
    hypertensive_emergency,
    kidney_flag,
    pregnancy_severe_hypertension,
    pressures,
    proteinuria,
    unquantified_proteinuria,
)
from triage.rule_precedence import with_deference
from triage.scores.result import ScoreResult

E = Disposition.emergency_transfer
U = Disposition.urgent_referral
R = Disposition.routine_referral
L = Disposition.local_care


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    default: Disposition | None  # None: off unless the policy switches it on
    description: str
    reference: str
    check: Callable[[Evidence], Finding | None] = field(repr=False)
    red_flag: bool = False
    minimum: Disposition | None = None  # red flags: the lowest level a policy may set
    recheck_minutes: int | None = None


NEWS2_REF = "RCP NEWS2 2017, Charts 3-4"
HTN_EMERGENCY_REF = "国家基层高血压防治管理指南 2017/2020, 急诊转诊"
HEARTS_REF = "WHO HEARTS-D (2020) Annex 3, urgent referral"
HEARTS_ROUTINE_REF = "WHO HEARTS-D (2020) Annex 3, non-emergency referral"


def _news2_total(ev: Evidence, low: float, high: float | None) -> Finding | None:
    s = ev.scores.get("news2")
    if s is None or s.value is None or s.value < low or (high is not None and s.value > high):
        return None
    # An incomplete NEWS2 is a lower bound (missing parameters only add points): escalation on it is safe.
    values: Values = {"news2": s.value, "complete": s.complete}
    values.update({k: v for k, v in s.components.items() if v})
    scoring = [f"{k} {ev.shown(k)}" for k, v in s.components.items() if v and k in ev.latest]
    detail = f"{s.detail}; scoring: {', '.join(scoring)}" if scoring else s.detail
    if not s.complete and s.value < 7:
        # the true score is at least this and may be far higher (HR 130 alone: NEWS2 >=2, 4-hourly):
        # the missing parameters are measured now, not at the band's re-check (at 7 and above the
        # emergency response is already asked for)
        return Finding(values, f"{detail}; measure the missing observations now", 0)
    return Finding(values, detail)


# NEWS2 parameters taken when a patient is assessed for acute illness; systolic pressure and pulse
# alone are what an automated cuff (and a chronic-disease follow-up) records
_NEWS2_ACUTE = ("resp_rate", "spo2", "supplemental_o2", "consciousness", "temperature")
_NEWS2_PARAMETERS = (
    "resp_rate",
    "spo2",
    "supplemental_o2",
    "sbp",
    "heart_rate",
    "consciousness",
    "temperature",
)


def _news2_incomplete(ev: Evidence) -> Finding | None:
    """NEWS2 0 so far with parameters missing (band ``incomplete``) once an acute observation was
    taken: the missing ones could make it 5 or more, so they are measured now, not in a month."""
    s = ev.scores.get("news2")
    latest = ev.latest
    if s is None or s.band != "incomplete" or not any(code in latest for code in _NEWS2_ACUTE):
        return None
    present = [code for code in _NEWS2_PARAMETERS if code in latest]
    values: Values = {"news2": s.value, "complete": False, "spo2_scale": s.components.get("spo2_scale")}
    values.update({code: ev.values.get(code) for code in present})
    shown = ", ".join([f"{code} {ev.shown(code)}" for code in present])
    return Finding(values, f"{s.detail}; scored 0 so far: {shown}", 0)


def _news2_red(ev: Evidence) -> Finding | None:
    s = ev.scores.get("news2")
    if s is None or "red_score" not in s.flags:
        return None
    params = {k: v for k, v in s.components.items() if v == 3 and k != "spo2_scale"}
    shown = ", ".join(f"{k} {ev.shown(k)}".strip() for k in params)
    return Finding(
        {**params, "news2": s.value},
        f"NEWS2 red score (3 points in one parameter: {shown}): urgent review by a clinician competent in"
        " acute illness; observations at least 1-hourly",
    )


def _consciousness(ev: Evidence) -> Finding | None:
    level = ev.values.get("consciousness")
    if level is None or level == "A":
        return None
    return Finding(
        {"consciousness": level},
        f"consciousness {level} on ACVPU (not alert): emergency assessment and transfer; check capillary glucose",
    )


_SPO2_ACTION = {
    "critical": "give oxygen to the target range and refer urgently",
    "critical_high": "too much oxygen for scale 2: titrate oxygen down to 88-92 % and refer urgently",
    "low": "same-day clinical review; check the probe and repeat",
}


def _oximetry(bands: tuple[str, ...]) -> Callable[[Evidence], Finding | None]:
    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get("oximetry")
        if s is None or s.band not in bands:
            return None
        values: Values = {"spo2": ev.num("spo2"), "scale": s.components.get("scale"), "band": s.band}
        return Finding(values, f"{s.detail}: {_SPO2_ACTION[str(s.band)]}")

    return check


def _bp_flag(flag: str, text: str) -> Callable[[Evidence], Finding | None]:
    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get("blood_pressure")
        if s is None or flag not in s.flags:
            return None
        return Finding({"sbp": ev.num("sbp"), "dbp": ev.num("dbp")}, f"{s.detail}; {text}")

    return check


def _bp_grade(grades: tuple[str, ...], action: str) -> Callable[[Evidence], Finding | None]:
    # the band says which classification applies: adult grades from 18, the AAP 2017 adolescent
    # stages at 13-17, none under 13 (triage.scores.blood_pressure); crisis rules fire at any age
    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get("blood_pressure")
        if s is None or s.band not in grades:
            return None
        return Finding({"sbp": ev.num("sbp"), "dbp": ev.num("dbp"), "grade": s.band}, f"{s.detail}; {action}")

    return check


def _pregnancy_bp(ev: Evidence) -> Finding | None:
    sbp, dbp = ev.num("sbp"), ev.num("dbp")
    if not ev.patient.pregnant:
        return None
    if (sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90):
        shown = f"{pressures(ev)} mmHg"
        return Finding(
            {"sbp": sbp, "dbp": dbp, "pregnant": True},
            f"blood pressure {shown} in pregnancy (>=140 and/or >=90): same-day obstetric assessment"
            " for pre-eclampsia (urine protein, symptoms)",
        )
    return None


# a point score's items -> the readings behind each (age: the patient's); the staff pages name them too
ITEM_READINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "qsofa": {"resp_rate": ("resp_rate",), "consciousness": ("consciousness",), "sbp": ("sbp",)},
    "crb65": {
        "confusion": ("consciousness",),
        "resp_rate": ("resp_rate",),
        "blood_pressure": ("sbp", "dbp"),
        "age": ("age",),
    },
}


def _scoring(ev: Evidence, s: ScoreResult) -> str:
    """``; scoring: resp_rate 22 /min, sbp 100 mm[Hg]``: the items of a point score that scored, each
    reading with its unit; ``""`` for a score without items."""
    items = ITEM_READINGS.get(s.name)
    if items is None:
        return ""
    shown = [
        f"age {ev.patient.age:g} years" if code == "age" else f"{code} {ev.shown(code)}"
        for item, codes in items.items()
        if s.components.get(item)
        for code in codes
        if code in ev.latest or (code == "age" and ev.patient.age is not None)
    ]
    return f"; scoring: {', '.join(shown)}" if shown else ""


def _score_at_least(name: str, threshold: float, text: str) -> Callable[[Evidence], Finding | None]:
    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get(name)
        if s is None or s.value is None or s.value < threshold:
            return None
        return Finding({name: s.value, "complete": s.complete}, f"{s.detail}{_scoring(ev, s)} ({text})")

    return check


def _score_between(name: str, low: float, high: float, text: str) -> Callable[[Evidence], Finding | None]:
    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get(name)
        if s is None or s.value is None or not low <= s.value <= high:
            return None
        return Finding({name: s.value, "complete": s.complete}, f"{s.detail}{_scoring(ev, s)} ({text})")

    return check


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


RULES: tuple[Rule, ...] = (
    Rule(
        "news2_emergency",
        E,
        "NEWS2 >= 7 (emergency response threshold)",
        NEWS2_REF,
        lambda ev: _news2_total(ev, 7, None),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "news2_urgent",
        U,
        "NEWS2 5-6 (urgent response threshold)",
        NEWS2_REF,
        lambda ev: _news2_total(ev, 5, 6),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "news2_red_parameter",
        U,
        "NEWS2: 3 points in any single parameter",
        NEWS2_REF,
        _news2_red,
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "news2_low_elevated",
        L,
        "NEWS2 1-4: treat locally, re-assess 4-6-hourly",
        NEWS2_REF,
        lambda ev: _news2_total(ev, 1, 4),
        recheck_minutes=240,
    ),
    Rule(
        "news2_incomplete",
        L,
        "NEWS2 0 so far with observations missing (after an acute observation): measure them now",
        NEWS2_REF,
        _news2_incomplete,
        recheck_minutes=0,
    ),
    Rule(
        "altered_consciousness",
        E,
        "New confusion, or responds only to voice/pain, or unresponsive",
        HTN_EMERGENCY_REF + " (1); " + NEWS2_REF,
        _consciousness,
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "spo2_critical",
        U,
        "SpO2 critical (scale 1 <=91 %; scale 2 <=83 % or >=97 % on oxygen)",
        "BTS oxygen guideline 2017; RCP NEWS2 2017",
        _oximetry(("critical", "critical_high")),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "spo2_low",
        U,
        "SpO2 low (scale 1 92-93 %; scale 2 84-87 %): same-day review",
        "BTS oxygen guideline 2017; risk.md 2.9",
        _oximetry(("low",)),
    ),
    Rule(
        "hypertensive_emergency",
        E,
        "BP >=180 and/or >=110 mmHg (age 13-17: >=140 and/or >=90) with an acute symptom of target-organ"
        " damage (recorded by a clinician)",
        "McEvoy JW et al. 2024 ESC Guidelines, Eur Heart J 2024;45:3912 (hypertensive emergency);"
        " Unger T et al. 2020 ISH Guidelines, Hypertension 2020;75:1334 (s10.4);"
        " Flynn JT et al. Pediatrics 2017;140:e20171904 (Table 11, footnote d: stage 2 and symptomatic, 13-17)",
        hypertensive_emergency,
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "bp_adolescent_severe",
        E,
        "Age 1-17: BP >180 and/or >120 mmHg, with or without symptoms: send to an emergency department",
        "Flynn JT et al. Pediatrics 2017;140:e20171904 (Table 11, footnote d: >180/120 mmHg in an adolescent,"
        " >30 mmHg above the 95th percentile (Tables 4-5) under 13, send to an ED)",
        adolescent_severe_hypertension,
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "hypertensive_crisis",
        U,
        "BP >180 and/or >120 mmHg",
        "Whelton PK et al. Hypertension 2018;71:e13",
        _bp_flag("hypertensive_crisis", "check for target-organ damage; refer urgently (same day)"),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "bp_hearts_urgent",
        U,
        "BP >200 and/or >110 mmHg",
        HEARTS_REF,
        _bp_flag("hearts_urgent", "urgent same-day referral"),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "bp_grade_3",
        R,
        "BP in the grade-3 range (>=180 and/or >=110 mmHg)",
        "中国高血压防治指南 2018",
        _bp_grade(("grade_3",), "repeat the measurement; refer for assessment (non-emergency)"),
    ),
    Rule(
        "bp_grade_1_2",
        L,
        "BP in the grade-1/2 range: manage and confirm in primary care",
        "中国高血压防治指南 2018; 国家基层高血压防治管理指南 2020",
        _bp_grade(("grade_1", "grade_2"), "confirm with repeat measurements on separate days; manage here"),
    ),
    Rule(
        "bp_adolescent_stage_2",
        R,
        "Age 13-17: BP in the AAP 2017 stage-2 range (>=140 and/or >=90 mmHg)",
        "Flynn JT et al. Pediatrics 2017;140:e20171904 (Table 3, Table 11)",
        _bp_grade(("stage_2",), "repeat the measurement; refer to paediatric care within 1 week to evaluate"),
        recheck_minutes=10080,
    ),
    Rule(
        "bp_adolescent_stage_1",
        L,
        "Age 13-17: BP in the AAP 2017 stage-1 range (130-139 and/or 80-89 mmHg)",
        "Flynn JT et al. Pediatrics 2017;140:e20171904 (Table 3, Table 11)",
        _bp_grade(("stage_1",), "lifestyle advice; repeat the measurement within 1-2 weeks"),
        recheck_minutes=10080,
    ),
    Rule(
        "pregnancy_hypertension",
        U,
        "BP >=140 and/or >=90 mmHg in pregnancy",
        "国家基层高血压防治管理指南 2020, 初诊转诊 (pregnancy); NICE NG133 (same-day assessment)",
        _pregnancy_bp,
        red_flag=True,  # possible pre-eclampsia: a clinic policy must not switch it off or lower it
        minimum=U,
    ),
    Rule(
        "pregnancy_severe_hypertension",
        E,
        "BP >=160 and/or >=110 mmHg in pregnancy (severe hypertension)",
        "ACOG Committee Opinion 767, Obstet Gynecol 2019;133:e174; NICE NG133 (2019, 2023)",
        pregnancy_severe_hypertension,
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "glucose_critical_low",
        U,
        "Glucose below the policy's critical low (default 3.0 mmol/L)",
        "ADA Standards of Care 2025 s6 (level 2 hypoglycaemia); " + HEARTS_REF,
        glycaemia_flag(
            "critical_low",
            "below the critical low (<{low}): treat now (15-20 g fast-acting glucose), re-check in 15 minutes;"
            " refer urgently (same day)",
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "glucose_critical_high",
        U,
        "Glucose above the policy's critical high (default 22.2 mmol/L)",
        "Kost GJ. JAMA 1990;263:704; risk.md 2.7",
        glycaemia_flag(
            "critical_high", "above the critical high (>{high}): check ketones and hydration; refer urgently"
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "glucose_hhs_range",
        U,
        "Glucose >=33.3 mmol/L (HHS glucose criterion): suspected HHS",
        "Umpierrez GE et al. Diabetes Care 2024; " + HEARTS_REF,
        glycaemia_flag(
            "hhs_range", "in the HHS range (>=33.3 mmol/L, 600 mg/dL): suspected HHS, refer urgently"
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "ketones_with_hyperglycaemia",
        U,
        "Urine ketones >=2+ with diabetes or glucose >=11.1 mmol/L",
        HEARTS_REF,
        glycaemia_flag(
            "ketones_with_hyperglycaemia",
            "urine ketones >=2+ with hyperglycaemia: suspected DKA, refer urgently",
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "hypoglycaemia_level1",
        L,
        "Glucose 3.0-3.8 mmol/L: treat now and re-check in 15 minutes",
        "ADA Standards of Care 2025 s6",
        glycaemia_flag("hypoglycaemia_level1", "level 1 hypoglycaemia: treat, re-check in 15 minutes"),
        recheck_minutes=15,
    ),
    Rule(
        "glucose_diabetes_range",
        L,
        "Glucose/HbA1c in the diabetes range: confirm with a repeat test (known diabetes: review control)",
        "ADA Standards of Care 2025 s2, s6; 中国2型糖尿病防治指南 2020",
        diabetes_range,
    ),
    Rule(
        "qsofa_high",
        U,
        "qSOFA >=2",
        "Seymour CW et al. JAMA 2016;315:762",
        _score_at_least("qsofa", 2, "if infection is suspected: assess for sepsis and refer urgently"),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "crb65_high",
        U,
        "CRB-65 3-4 (urgent hospital admission if pneumonia)",
        "Lim WS et al. Thorax 2003;58:377",
        _score_at_least("crb65", 3, "urgent admission if pneumonia"),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "crb65_intermediate",
        None,
        "CRB-65 1-2 (consider hospital if pneumonia); off by default",
        "Lim WS et al. Thorax 2003;58:377",
        _score_between("crb65", 1, 2, "consider hospital referral"),
    ),
    Rule(
        "egfr_below_30",
        U,
        "eGFR <30 mL/min/1.73 m2",
        HEARTS_REF + "; KDIGO 2024",
        kidney_flag(
            ("egfr_below_30",), "below 30: refer urgently; review drugs cleared by the kidney", "eGFR"
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "egfr_30_59",
        R,
        "eGFR 30-59 mL/min/1.73 m2",
        HEARTS_ROUTINE_REF,
        kidney_flag(("egfr_30_59",), "30-59: refer (non-emergency); review drug doses", "eGFR"),
    ),
    Rule(
        "albuminuria",
        R,
        "Urine ACR >=30 mg/g",
        HEARTS_ROUTINE_REF + "; KDIGO 2024",
        kidney_flag(
            ("albuminuria_a2_a3", "albuminuria_a3"),
            "moderately or severely increased albuminuria: confirm on a repeat sample; refer (non-emergency)",
        ),
    ),
    Rule(
        "proteinuria_with_hypertension",
        R,
        "Dipstick protein >=1+ with hypertension",
        "国家基层高血压防治管理指南 2020, 初诊转诊",
        proteinuria,
    ),
    Rule(
        "proteinuria_1plus",
        L,
        "Dipstick protein 1+ without hypertension and no ACR: confirm with an ACR",
        "KDIGO 2024 (confirm a positive dipstick with a laboratory ACR or PCR); risk.md 2.10",
        unquantified_proteinuria(
            ("1+",),
            "about 30 mg/dL - confirm with a urine ACR and creatinine within 4 weeks; repeat the dipstick"
            " (not during infection, fever, heavy exercise or menstruation); an ACR >=30 mg/g refers",
        ),
        recheck_minutes=40320,
    ),
    Rule(
        "proteinuria_2plus",
        L,
        "Dipstick protein 2+ without hypertension and no ACR: measure the ACR now",
        "KDIGO 2024 (confirm a positive dipstick with a laboratory ACR or PCR); risk.md 2.10",
        unquantified_proteinuria(
            ("2+",),
            "about 100 mg/dL - measure the ACR and creatinine now; repeat the dipstick within 1 week (not"
            " during infection, fever, heavy exercise or menstruation); an ACR >=30 mg/g refers",
        ),
        recheck_minutes=10080,
    ),
    Rule(
        "proteinuria_3plus",
        R,
        "Dipstick protein >=3+ without hypertension and no ACR: refer (non-emergency)",
        "KDIGO 2024 (refer at ACR >=300 mg/g, PCR >=500 mg/g); risk.md 2.10",
        unquantified_proteinuria(
            ("3+", "4+"),
            "about 300 mg/dL or more, in the range KDIGO refers (A3) - measure the ACR and creatinine now,"
            " check for oedema (nephrotic syndrome); refer (non-emergency)",
        ),
    ),
    Rule(
        "total_cholesterol_above_8", R, "Total cholesterol >8 mmol/L", HEARTS_ROUTINE_REF, _total_cholesterol
    ),
    Rule(
        "cvd_risk_high",
        L,
        "China-PAR 10-year ASCVD risk >=10 %: risk-factor management",
        "中国心血管病风险评估和管理指南 2019",
        _score_at_least(
            "china_par", 10.0, "high 10-year risk: manage risk factors (statin, blood pressure, smoking)"
        ),
    ),
    Rule(
        "diabetes_risk_high",
        L,
        "CDRS >=25 or FINDRISC >=15 without known diabetes: screen",
        "Zhou X et al. Diabetes Care 2013; Lindström J. Diabetes Care 2003",
        _diabetes_screen,
    ),
)

RULES = with_deference(RULES)  # a lower BP rule names the one whose action applies
RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}

"""The glycaemia rules: critical glucose, HHS, ketones with hyperglycaemia, hypoglycaemia,
hyperglycaemia in pregnancy and the diabetes range (their longer checks: ``triage.rule_checks``)."""

from __future__ import annotations

from triage.evidence import Evidence, Finding, Values
from triage.rule_checks import at_or_above, diabetes_range, glycaemia_flag
from triage.rules.rule import HEARTS_REF, L, R, Rule, U

PREGNANCY_GLUCOSE_REF = (
    "WHO 2013, Diagnostic criteria and classification of hyperglycaemia first detected in pregnancy"
    " (WHO/NMH/MND/13.2); ADA Standards of Care 2025 s2, s15"
)
# each reading in pregnancy: its name, the unit of the published pairs, and two cuts (the value in
# mmol/L or %, and its mg/dL or mmol/mol member, compared with a reading reported in that unit):
# - hyperglycaemia first detected in pregnancy (WHO 2013): fasting 5.1-6.9 mmol/L (IADPSG: 92 mg/dL) is
#   gestational diabetes, 7.0 or more - or a random 11.1 or more with symptoms - diabetes in pregnancy
#   (a random 11.1 without symptoms recorded is referred too, to be confirmed there); HbA1c 6.5 % or
#   more is diabetes (ADA s15, first visit)
# - known diabetes above the pregnancy targets (NICE NG3 2015; ADA 2025 s15): fasting below 5.3 mmol/L
#   (95 mg/dL) and 1 hour after a meal below 7.8 (140 mg/dL), so a random glucose of 7.8 or more is above
#   the highest of them whenever it was taken; an HbA1c of 6.5 % (48 mmol/mol) or more raises the risks
#   to the pregnancy (NG3). Her diabetes is managed by the joint diabetes and antenatal clinic, in
#   contact every 1-2 weeks (NG3 Table 1): a glucose of 10.5 mmol/L at 24 weeks was local care,
#   re-checked in 30 days (glucose_diabetes_range), or reached no rule at 8.5
PREGNANCY_CUTS: dict[str, tuple[str, str, tuple[float, float], tuple[float, float]]] = {
    # code: (name, unit, WHO 2013 / ADA diagnosis, known diabetes above target)
    "glucose_fasting": ("fasting glucose", "mg/dL", (5.1, 92.0), (5.3, 95.0)),
    "glucose_random": ("random glucose", "mg/dL", (11.1, 200.0), (7.8, 140.0)),
    "hba1c": ("HbA1c", "mmol/mol", (6.5, 48.0), (6.5, 48.0)),
}


def _read_in_pregnancy(ev: Evidence, above_target: bool) -> tuple[dict[str, str], Values, str] | None:
    """:func:`_met`'s readings with the finding's values (each reading as shown, then the weeks) and
    the words for when (``in pregnancy at 30 weeks``); None when no reading is at its cut."""
    met = _met(ev, above_target)
    if not met:
        return None
    weeks = ev.patient.gestation_weeks
    values: Values = {code: ev.shown(code) for code in met}
    values["gestation_weeks"] = weeks
    return met, values, "in pregnancy" if weeks is None else f"in pregnancy at {weeks} weeks"


def _met(ev: Evidence, above_target: bool) -> dict[str, str]:
    """The readings at or above their cut in ``PREGNANCY_CUTS`` (the diagnosis's, or with
    ``above_target`` known diabetes's target), each compared in the unit it was reported in
    (``triage.rule_checks.at_or_above``), named as the reason says them."""
    met: dict[str, str] = {}
    for code, (name, unit, diagnosis, target) in PREGNANCY_CUTS.items():
        cut, cut_as_reported = target if above_target else diagnosis
        if at_or_above(ev, code, cut, unit, cut_as_reported):
            met[code] = f"{name} {ev.shown(code)}"
    return met


_WHO_2013 = (
    "WHO 2013: fasting >=5.1 mmol/L, 92 mg/dL, is gestational diabetes; fasting >=7.0, or random >=11.1 with"
    " symptoms, diabetes in pregnancy; ADA 2025: HbA1c >=6.5 % diabetes"
)


def _pregnancy_glucose(ev: Evidence) -> Finding | None:
    """Hyperglycaemia in pregnancy at the WHO 2013 / ADA cuts: referred to antenatal care to confirm
    and manage it. With known diabetes (``patient.diabetes``) there is no diagnosis to confirm: the
    referral stays at its level and says her diabetes is known and her treatment is reviewed against
    the pregnancy targets (``values["known_diabetes"]``). It fires whether or not
    ``pregnancy_known_diabetes_above_target`` did: asking that rule would make the answer depend on a
    clinic switching it off, and a fasting glucose of 5.1-5.2 mmol/L (92-94 mg/dL) reaches this rule
    only; so no disposition is lower than before."""
    patient = ev.patient
    if not patient.pregnant or not (read := _read_in_pregnancy(ev, above_target=False)):
        return None
    met, values, when = read
    if patient.diabetes:
        values["known_diabetes"] = True
        return Finding(
            values,
            f"{', '.join(met.values())} with known diabetes {when}: her diabetes is known - no gestational"
            " diabetes to confirm; refer to antenatal care to review her treatment with her diabetes team"
            " against the pregnancy targets (NICE NG3: fasting glucose <5.3 mmol/L, 1 hour after a meal"
            " <7.8 mmol/L) (non-emergency)",
        )
    return Finding(
        values,
        f"{', '.join(met.values())} {when}: hyperglycaemia in pregnancy ({_WHO_2013}); refer to antenatal"
        " care to confirm and manage it (non-emergency)",
    )


KNOWN_DIABETES_PREGNANCY_REF = (
    "NICE NG3 (2015) 1.3 (capillary glucose targets in pregnancy: fasting 5.3 mmol/L, 1 hour after meals"
    " 7.8; HbA1c above 48 mmol/mol raises the risks to the pregnancy; test urgently for ketonaemia in"
    " hyperglycaemia) and Table 1 (contact with the joint diabetes and antenatal clinic every 1-2 weeks);"
    " ADA Standards of Care 2025 s15 (fasting <95 mg/dL, 1 hour <140 mg/dL)"
)
_KETONES_NOW = (
    "; test for ketones now (NICE NG3: urgently in a pregnant woman with diabetes and hyperglycaemia, to"
    " exclude diabetic ketoacidosis)"
)


def _known_diabetes_pregnancy(ev: Evidence) -> Finding | None:
    """Known diabetes in pregnancy with a glucose or HbA1c above the pregnancy targets: her joint
    diabetes and antenatal clinic within a week, ketones now when none were measured."""
    patient = ev.patient
    if not (patient.pregnant and patient.diabetes) or not (read := _read_in_pregnancy(ev, above_target=True)):
        return None
    met, values, when = read
    values["ketones_now"] = "urine_ketones" not in ev.latest
    return Finding(
        values,
        f"{', '.join(met.values())} with known diabetes {when}: above the pregnancy targets (NICE NG3, ADA"
        " 2025 section 15: fasting glucose <5.3 mmol/L, 1 hour after a meal <7.8 mmol/L; an HbA1c of 6.5 %"
        " or more raises the risks to the pregnancy): refer her to the joint diabetes and antenatal clinic"
        " within 1 week (NICE NG3: in contact every 1-2 weeks through pregnancy)"
        f"{_KETONES_NOW if values['ketones_now'] else ''}",
    )


# the fast-acting glucose a clinic gives now: 15-20 g for an adult (ADA 2025 s6); a child's dose is by
# weight, 0.3 g/kg (ISPAD Clinical Practice Consensus Guidelines 2022, hypoglycaemia; under 18)
_CRITICAL_LOW = (
    "below the critical low (<{low}): treat now (%s), re-check in 15 minutes; refer urgently (same day)"
)
_CRITICAL_LOW_ADULT = glycaemia_flag("critical_low", _CRITICAL_LOW % "15-20 g fast-acting glucose")
_CRITICAL_LOW_CHILD = glycaemia_flag(
    "critical_low",
    _CRITICAL_LOW % "fast-acting glucose 0.3 g/kg for a child (ISPAD 2022), not the adult 15-20 g",
)
CHILD_UNDER = 18


def _critical_low(ev: Evidence) -> Finding | None:
    """A glucose below the critical low: treat now with the dose for the patient's age (a child's by
    weight; with the age unknown the adult's), re-check in 15 minutes and refer urgently."""
    child = ev.patient.age is not None and ev.patient.age < CHILD_UNDER
    found = (_CRITICAL_LOW_CHILD if child else _CRITICAL_LOW_ADULT)(ev)
    if found is not None and child:
        found.values["child"] = True
    return found


GLYCAEMIA: tuple[Rule, ...] = (
    Rule(
        "glucose_critical_low",
        U,
        "Glucose below the policy's critical low (default 3.0 mmol/L)",
        "ADA Standards of Care 2025 s6 (level 2 hypoglycaemia); "
        + HEARTS_REF
        + "; ISPAD 2022 (a child's dose:"
        " 0.3 g/kg)",
        _critical_low,
        red_flag=True,
        minimum=U,
        # the reason's "re-check in 15 minutes" (ADA 2025 s6), not the urgent referral's 60
        recheck_minutes=15,
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
        "pregnancy_hyperglycaemia",
        R,
        "Fasting glucose >=5.1 mmol/L, random >=11.1 or HbA1c >=6.5 % in pregnancy: refer to antenatal care",
        PREGNANCY_GLUCOSE_REF,
        _pregnancy_glucose,
    ),
    Rule(
        "pregnancy_known_diabetes_above_target",
        R,
        "Known diabetes in pregnancy, fasting glucose >=5.3 mmol/L, random >=7.8 or HbA1c >=6.5 %: joint"
        " diabetes and antenatal clinic within 1 week",
        KNOWN_DIABETES_PREGNANCY_REF,
        _known_diabetes_pregnancy,
        recheck_minutes=10080,
    ),
    Rule(
        "glucose_diabetes_range",
        L,
        "Glucose/HbA1c in the diabetes range: confirm with a repeat test (known diabetes: review control)",
        "ADA Standards of Care 2025 s2, s6, s15 (targets in pregnancy); 中国2型糖尿病防治指南 2020",
        diabetes_range,
    ),
)

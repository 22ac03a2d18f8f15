"""The blood-pressure rules: emergencies (with symptoms, in a child or adolescent, in pregnancy or
in the 6 weeks after birth),
the crisis and HEARTS-D urgent ranges, the adult grades and the AAP 2017 adolescent stages. Which of
them defers to which when several fire on one pressure: ``triage.rule_precedence``."""

from __future__ import annotations

from collections.abc import Callable

from triage.evidence import Evidence, Finding, Values
from triage.gestation import acr_surely_before_20_weeks, measured_before_20_weeks
from triage.rule_checks import (
    PROTEINURIA_DIPSTICK,
    adolescent_severe_hypertension,
    hypertensive_emergency,
    pre_eclampsia_severe_features,
    pregnancy_severe_hypertension,
    pregnancy_significant_acr,
    pressures,
)
from triage.rules.rule import HEARTS_REF, E, L, R, Rule, U


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


# why a raised pressure from 20 weeks (or the weeks not recorded) is assessed the same day: for
# pre-eclampsia, its urine protein asked for only when none was measured (a dipstick or an ACR); with
# new proteinuria - a dipstick of 1+ or more, or an ACR of 8 mg/mmol (NICE NG133) - pre-eclampsia is
# suspected (new hypertension with proteinuria from 20 weeks), and in known (chronic) hypertension
# superimposed pre-eclampsia (ISSHP 2018, as ``proteinuria_with_hypertension`` says below 140/90 mmHg)
_PRE_ECLAMPSIA_URINE_UNMEASURED = "for pre-eclampsia (urine protein, symptoms)"
_PRE_ECLAMPSIA_URINE_MEASURED = "for pre-eclampsia (symptoms; measured: {urine})"
# ... urine protein measured only before 20 weeks (a dipstick usable 30 days, an ACR 90) says nothing of
# new proteinuria now: a dipstick asked for now (NICE NG133: urine tested for protein at each pressure
# check from 20 weeks), the level unchanged (``values.urine_protein_now``)
_PRE_ECLAMPSIA_URINE_NOW = (
    "for pre-eclampsia (a urine protein dipstick now: none from 20 weeks; symptoms; measured: {urine})"
)
_PRE_ECLAMPSIA_SUSPECTED = "for suspected pre-eclampsia ({urine} with this pressure; symptoms)"
_SUPERIMPOSED_SUSPECTED = (
    "for suspected superimposed pre-eclampsia ({urine} with known hypertension: new proteinuria from 20"
    " weeks in chronic hypertension (ISSHP 2018), unless it was there before 20 weeks; symptoms)"
)
_CHRONIC = "for chronic hypertension (before 20 weeks; pre-eclampsia is from 20 weeks)"
# ... and in the 6 weeks after birth, for postpartum pre-eclampsia (no superimposed pre-eclampsia:
# ISSHP 2018 names it in pregnancy)
_SYMPTOMS_AFTER_BIRTH = "symptoms: headache, visual disturbance"
_POSTPARTUM_URINE_UNMEASURED = f"for postpartum pre-eclampsia (urine protein, {_SYMPTOMS_AFTER_BIRTH})"
_POSTPARTUM_URINE_MEASURED = f"for postpartum pre-eclampsia ({_SYMPTOMS_AFTER_BIRTH}; measured: {{urine}})"
_POSTPARTUM_SUSPECTED = (
    f"for suspected postpartum pre-eclampsia ({{urine}} with this pressure; {_SYMPTOMS_AFTER_BIRTH})"
)


_BEFORE_20 = " (measured before 20 weeks)"


def _urine_measured(ev: Evidence, values: Values) -> tuple[str, bool] | None:
    """The urine protein measured, a dipstick and/or an ACR, as the reason names it, and whether it
    shows new proteinuria (a dipstick of 1+ or more, an ACR of 8 mg/mmol or more, each measured from
    20 weeks - not surely before, the reading of the ACR rules: NICE NG133);
    ``values`` gets its ``urine_protein``, ``acr`` and ``proteinuria``. None when none was measured."""
    protein = ev.values.get("urine_protein")
    acr = ev.num("albumin_creatinine_ratio")
    # a reading measured before 20 weeks is not new proteinuria from 20 weeks (it may be pre-existing)
    dipstick_before = protein is not None and measured_before_20_weeks(ev, "urine_protein", surely=True)
    urine = (
        []
        if protein is None
        else [f"urine protein {protein} (dipstick){_BEFORE_20 if dipstick_before else ''}"]
    )
    before = acr is not None and acr_surely_before_20_weeks(ev)
    if acr is not None:
        urine.append(f"ACR {ev.shown('albumin_creatinine_ratio')}{_BEFORE_20 if before else ''}")
    if not urine:
        return None
    new = (protein in PROTEINURIA_DIPSTICK and not dipstick_before) or (
        not before and pregnancy_significant_acr(ev)
    )
    values["urine_protein"], values["acr"], values["proteinuria"] = protein, acr, new
    if before:
        values["acr_before_20_weeks"] = True
    if dipstick_before:
        values["urine_protein_before_20_weeks"] = True
    if (protein is None or dipstick_before) and (acr is None or before):  # none from 20 weeks
        values["urine_protein_now"] = True
    return " and ".join(urine), new


def _pre_eclampsia_why(ev: Evidence, values: Values) -> str:
    """What the same-day assessment from 20 weeks is for, from the urine measured (``values`` gets
    its ``urine_protein`` and ``acr``, whether they show new ``proteinuria``, and ``superimposed``)."""
    measured = _urine_measured(ev, values)
    if measured is None:
        return _PRE_ECLAMPSIA_URINE_UNMEASURED
    named, new = measured
    if not new:
        now = values.get("urine_protein_now") is True
        return (_PRE_ECLAMPSIA_URINE_NOW if now else _PRE_ECLAMPSIA_URINE_MEASURED).format(urine=named)
    if ev.patient.hypertension:
        values["superimposed"] = True
        return _SUPERIMPOSED_SUSPECTED.format(urine=named)
    return _PRE_ECLAMPSIA_SUSPECTED.format(urine=named)


def _postpartum_why(ev: Evidence, values: Values) -> str:
    """What the same-day assessment after birth is for: postpartum pre-eclampsia, its urine protein
    asked for only when none was measured, named when it was (suspected with new proteinuria)."""
    measured = _urine_measured(ev, values)
    if measured is None:
        return _POSTPARTUM_URINE_UNMEASURED
    named, new = measured
    return (_POSTPARTUM_SUSPECTED if new else _POSTPARTUM_URINE_MEASURED).format(urine=named)


def _pregnancy_bp(ev: Evidence) -> Finding | None:
    """A raised pressure in pregnancy: same-day obstetric assessment at any gestation. What for
    follows the weeks (``patient.gestation_weeks``): pre-eclampsia from 20 weeks or with the weeks
    not recorded (``_pre_eclampsia_why``: suspected, or superimposed, with new proteinuria measured);
    before 20 weeks chronic (pre-existing) hypertension, pre-eclampsia being a diagnosis from 20
    weeks (ACOG Practice Bulletin 222, 2020; ISSHP 2018)."""
    patient = ev.patient
    if not patient.pregnant:  # the common path: one check, no reading read
        return None
    sbp, dbp = ev.num("sbp"), ev.num("dbp")
    if (sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90):
        weeks = patient.gestation_weeks
        shown = f"{pressures(ev)} mmHg in pregnancy{'' if weeks is None else f' at {weeks} weeks'}"
        values: Values = {"sbp": sbp, "dbp": dbp, "pregnant": True, "gestation_weeks": weeks}
        why = _pre_eclampsia_why(ev, values) if patient.pre_eclampsia_possible else _CHRONIC
        return Finding(
            values, f"blood pressure {shown} (>=140 and/or >=90): same-day obstetric assessment {why}"
        )
    return None


POSTPARTUM_REF = (
    "ACOG Committee Opinion 767, Obstet Gynecol 2019;133:e174 (postpartum); Hauspurg A, Jeyabalan A."
    " Am J Obstet Gynecol 2022;226:S1211 (postpartum pre-eclampsia)"
)


def _after_birth(
    sbp_cut: float,
    dbp_cut: float,
    action: str | Callable[[Evidence, Values], str],
    recheck: int | None = None,
) -> Callable[[Evidence], Finding | None]:
    """A pressure at ``sbp_cut`` and/or ``dbp_cut`` mmHg or more in the 6 weeks after a birth
    (``patient.postpartum``): assessed as in pregnancy - ACOG 767 treats acute-onset severe
    hypertension postpartum as in pregnancy, and pre-eclampsia presents up to 6 weeks after birth.
    ``action`` may be said from the readings (it fills in the finding's values)."""

    def check(ev: Evidence) -> Finding | None:
        if not ev.patient.postpartum:  # the common path: one check, no reading read
            return None
        sbp, dbp = ev.num("sbp"), ev.num("dbp")
        if not ((sbp is not None and sbp >= sbp_cut) or (dbp is not None and dbp >= dbp_cut)):
            return None
        values: Values = {"sbp": sbp, "dbp": dbp, "postpartum": True}
        said = action if isinstance(action, str) else action(ev, values)
        return Finding(
            values,
            f"blood pressure {pressures(ev)} mmHg after birth (postpartum, within 6 weeks)"
            f" (>={sbp_cut:g} and/or >={dbp_cut:g}): {said}",
            recheck,
        )

    return check


BLOOD_PRESSURE: tuple[Rule, ...] = (
    Rule(
        "hypertensive_emergency",
        E,
        "BP >=180 and/or >=110 mmHg (age 13-17: >=140 and/or >=90) with an acute symptom of target-organ"
        " damage (recorded by staff)",
        "McEvoy JW et al. 2024 ESC Guidelines, Eur Heart J 2024;45:3912 (hypertensive emergency);"
        " Unger T et al. 2020 ISH Guidelines, Hypertension 2020;75:1334 (s10.4);"
        " Flynn JT et al. Pediatrics 2017;140:e20171904 (Table 11, footnote d: stage 2 and symptomatic, 13-17);"
        " chest pain or breathlessness in pregnancy and after birth: MBRRACE-UK (pulmonary embolism, the leading"
        " direct cause of maternal death), RCOG Green-top 37b (2015)",
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
        "pre_eclampsia_severe_features",
        E,
        "BP >=140 and/or >=90 mmHg in pregnancy from 20 weeks or within 6 weeks after birth with a symptom"
        " of severe pre-eclampsia (headache, right upper quadrant or epigastric pain, visual disturbance,"
        " breathlessness, confusion or a new neurological deficit; recorded by staff)",
        "ACOG Practice Bulletin 222, Obstet Gynecol 2020;135:e237 (Box 3: preeclampsia with severe features);"
        " Brown MA et al. ISSHP 2018, Hypertension 2018;72:24 (neurological complications);"
        " NICE NG133 (2019, 2023) 1.5.2 (admission) and 1.1.1 (symptoms of pre-eclampsia: severe pain just"
        " below the ribs); breathlessness: MBRRACE-UK (pulmonary embolism, the leading direct cause of maternal"
        " death), RCOG Green-top 37b (2015)",
        pre_eclampsia_severe_features,
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "postpartum_hypertension",
        U,
        "BP >=140 and/or >=90 mmHg within 6 weeks after birth (postpartum)",
        POSTPARTUM_REF,
        _after_birth(
            140, 90, lambda ev, values: f"same-day obstetric assessment {_postpartum_why(ev, values)}"
        ),
        red_flag=True,  # postpartum pre-eclampsia: as in pregnancy, never switched off or lowered
        minimum=U,
    ),
    Rule(
        "postpartum_severe_hypertension",
        E,
        "BP >=160 and/or >=110 mmHg within 6 weeks after birth (postpartum severe hypertension)",
        POSTPARTUM_REF,
        _after_birth(
            160,
            110,
            "severe hypertension, an obstetric emergency - confirm within 15 minutes; emergency transfer"
            " for treatment within 30-60 minutes",
            15,
        ),
        red_flag=True,
        minimum=U,
    ),
)

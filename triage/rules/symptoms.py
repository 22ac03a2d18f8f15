"""The acute symptoms a clinician recorded now (``patient.acute_symptoms``) that no pressure rule
reads: chest pain, a new neurological deficit or confusion (an emergency whatever the pressure) and
breathlessness or visual loss (a same-day assessment), and in pregnancy from 20 weeks and after birth
right upper quadrant or epigastric pain (a same-day obstetric assessment: HELLP syndrome).

``hypertensive_emergency`` reads them from 180 and/or 110 mmHg (13-17: 140 and/or 90) and
``pre_eclampsia_severe_features`` from 140 and/or 90 in pregnancy from 20 weeks and after birth;
below those pressures, or with no pressure measured, a recorded chest pain was read by nothing - a
55-year-old with chest pain now and normal vital signs was local care, re-check in 30 days, the
symptom named nowhere. A headache or right upper quadrant or epigastric pain outside pregnancy and the
weeks after birth is no sign here either (not organ damage alone; each has many causes), and in them
a headache is read beside a raised pressure only (``triage.patient.PRE_ECLAMPSIA_SYMPTOMS``); the
pain is read at any pressure there, as HELLP syndrome presents with a raised pressure in only 33-88 %
of women (BMJ Best Practice, HELLP syndrome) and only blood tests tell."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from triage.evidence import Evidence, Finding, Values
from triage.patient import PRE_ECLAMPSIA_SYMPTOMS
from triage.rule_checks import (
    MATERNAL_CHEST_PAIN,
    PE_MATERNAL,
    hypertensive_emergency,
    maternal,
    pre_eclampsia_severe_features,
    pregnancy_where,
    pressures,
)
from triage.rules.rule import HTN_EMERGENCY_REF, E, L, Rule, U
from triage.scores.news2 import ADULT_AGE as NEWS2_FROM_AGE

# each symptom: its name and what it means here, as the reason says them
EMERGENCY_SYMPTOMS = {
    # NICE CG95 (2010, 2016) 1.2.1: chest pain now with an ACS suspected - refer as an emergency
    "chest_pain": (
        "chest pain",
        "acute coronary syndrome or aortic dissection suspected until an ECG and a clinician exclude them",
    ),
    # NICE NG128 (2019) 1.1: sudden neurological symptoms - stroke or TIA until proved otherwise
    "neurological_deficit": ("a new neurological deficit", "stroke suspected (time-critical)"),
    # as a new confusion on ACVPU (altered_consciousness, an emergency transfer)
    "confusion": ("confusion", "new confusion is not alert on ACVPU - check capillary glucose"),
}
# under 18 (completed years) what chest pain and a new neurological deficit mean in a child: NICE CG95
# is for adults, NICE NG128 for people 16 and over. In a child chest pain is rarely from the heart and
# an ACS very rare (RCH Melbourne clinical practice guideline, Chest pain: most children have no
# cardiac or other serious cause, which is excluded first); RCPCH Stroke in childhood (2017, 29 days to
# 18 years): an acute focal neurological deficit is a suspected stroke, 999, a capillary glucose within
# 15 minutes. The level stays: no paediatric source lowers it.
CHILD_UNDER = 18
CHILD_EMERGENCY = {
    "chest_pain": "in a child chest pain is rarely from the heart and an acute coronary syndrome is very rare,"
    " but a serious cause - myocarditis or pericarditis, an arrhythmia, a pneumothorax, a pulmonary embolism"
    " - is not excluded until a clinician examines the child and reads an ECG",
    "neurological_deficit": "stroke suspected (time-critical; children have strokes too) - check capillary"
    " glucose within 15 minutes",
}
# breathlessness where NEWS2 is not used (RCP 2017: under 16, in pregnancy): what its observations are read on
NEWS2_NOT_USED = {
    "child": "measure the observations now (respiration rate, SpO2, pulse) and read them on a paediatric"
    " early warning score (PEWS): NEWS2 is not used under 16",
    "pregnancy": "measure the observations now (respiration rate, SpO2, pulse) and read them on a maternity"
    " early warning score (MEWS/MEOWS): NEWS2 is not used in pregnancy",
}
# in pregnancy and the 6 weeks after birth (patient.pregnant, patient.postpartum): pulmonary embolism is
# the leading direct cause of maternal death (MBRRACE-UK, Saving Lives, Improving Mothers' Care) and
# pregnancy raises the risk of aortic dissection, so chest pain and breathlessness name them for the
# receiving team; RCOG Green-top Guideline 37b (2015): a woman with symptoms suggestive of a pulmonary
# embolism has objective testing without delay (``PE_MATERNAL``). The level stays (chest pain an emergency
# transfer, breathlessness a same-day assessment): what the receiving team is told changes, not where she goes.
MATERNAL_MEANINGS = {
    "chest_pain": MATERNAL_CHEST_PAIN,
    "dyspnoea_pregnancy": f"{NEWS2_NOT_USED['pregnancy']}; {PE_MATERNAL}",
    "dyspnoea_postpartum": "measure the NEWS2 observations now (respiration rate, SpO2, pulse); after birth"
    f" (within 6 weeks) {PE_MATERNAL}",
}
URGENT_SYMPTOMS = {
    "dyspnoea": ("breathlessness", "measure the NEWS2 observations now (respiration rate, SpO2, pulse)"),
    "visual_loss": ("visual loss", "sudden visual loss needs a same-day eye assessment"),
    # in pregnancy from 20 weeks and after birth only (_where_counted); named with where it counts
    "epigastric_pain": (
        "right upper quadrant or epigastric pain",
        "HELLP syndrome can present without a raised blood pressure: same-day obstetric assessment"
        " (platelets, liver enzymes)",
    ),
}


def _meanings(
    ev: Evidence, found: Sequence[str], kinds: dict[str, tuple[str, str]], values: Values
) -> list[str]:
    """What each symptom found means for this patient; chest pain and breathlessness in pregnancy or
    the 6 weeks after birth as ``MATERNAL_MEANINGS`` say (``pulmonary_embolism``: ``pregnancy`` or
    ``postpartum``), a child's chest pain or neurological deficit (under 18) and breathlessness where
    NEWS2 is not used as ``CHILD_EMERGENCY`` and ``NEWS2_NOT_USED`` say, the values saying so
    (``child``, ``news2_not_used``) for the staff pages."""
    patient = ev.patient
    child = patient.age is not None and patient.age < CHILD_UNDER
    where = maternal(patient)
    unscored = (
        "pregnancy"
        if patient.pregnant
        else "child"
        if patient.age is not None and patient.age < NEWS2_FROM_AGE
        else None
    )
    said = []
    for s in found:
        if where is not None and s in ("chest_pain", "dyspnoea"):
            # a pregnant girl too: pregnancy's pulmonary embolism before a child's rarer causes
            values["pulmonary_embolism"] = where
            if s == "dyspnoea" and unscored == "pregnancy":
                values["news2_not_used"] = unscored
            said.append(MATERNAL_MEANINGS[s if s == "chest_pain" else f"dyspnoea_{where}"])
        elif child and s in CHILD_EMERGENCY:
            values["child"] = True
            said.append(CHILD_EMERGENCY[s])
        elif s == "dyspnoea" and unscored is not None:
            values["news2_not_used"] = unscored
            said.append(NEWS2_NOT_USED[unscored])
        else:
            said.append(kinds[s][1])
    return said


def _where_counted(ev: Evidence, symptom: str) -> str | None:
    """Where a symptom counts: ``""`` for anyone, `` in pregnancy``/`` after birth`` for one of
    ``PRE_ECLAMPSIA_SYMPTOMS`` in pregnancy from 20 weeks (or the weeks not recorded) or in the 6
    weeks after birth, ``None`` where it does not count."""
    if symptom not in PRE_ECLAMPSIA_SYMPTOMS:
        return ""
    patient = ev.patient
    if patient.postpartum:
        return " after birth"
    return " in pregnancy" if patient.pre_eclampsia_possible else None


# the rules that read the recorded symptoms beside a raised pressure (rule name: its check)
_READ_BY = {
    "hypertensive_emergency": hypertensive_emergency,
    "pre_eclampsia_severe_features": pre_eclampsia_severe_features,
}


def _counted(ev: Evidence) -> frozenset[str]:
    """The recorded symptoms a pressure rule already reads at this pressure (its reason names them)."""
    counted: set[str] = set()
    for name, check in _READ_BY.items():
        found = None if ev.fired.get(name) is False else check(ev)  # not checked again when it did not fire
        if found is not None:
            counted.update(str(found.values["acute_symptoms"]).split(", "))
    return frozenset(counted)


def _uncounted(kinds: dict[str, tuple[str, str]], action: str) -> Callable[[Evidence], Finding | None]:
    def check(ev: Evidence) -> Finding | None:
        recorded = ev.patient.acute_symptoms
        if not recorded or not any(s in kinds for s in recorded):  # the common path: nothing recorded
            return None
        counted = _counted(ev)
        where = {s: _where_counted(ev, s) for s in recorded if s in kinds and s not in counted}
        found = [s for s, at in where.items() if at is not None]
        if not found:
            return None
        names = [kinds[s][0] + str(where[s]) for s in found]
        values: Values = {"acute_symptoms": ", ".join(found)}
        meanings = _meanings(ev, found, kinds, values)
        # one symptom: what it means; several: each by name, then what it means
        said = (
            meanings[0]
            if len(found) == 1
            else "; ".join(f"{n}: {m}" for n, m in zip(names, meanings, strict=True))
        )
        if where.get("epigastric_pain") == " after birth":  # the staff pages name it so, not "in pregnancy"
            values["postpartum"] = True
        bp = (
            "no blood pressure measured" if pressures(ev) == "?/?" else f"blood pressure {pressures(ev)} mmHg"
        )
        return Finding(
            # the symptoms only: the pressure, below the range a pressure rule reads them in, is said as context
            values,
            f"{', '.join(names)} recorded now ({bp}): {said}: {action}",
        )

    return check


# the symptoms that are severe features of pre-eclampsia beside 140 and/or 90 mmHg
# (triage.rule_checks.pre_eclampsia_severe_features), each as this reason names it
_PRE_ECLAMPSIA_SIGNS = {
    "headache": "headache",
    "epigastric_pain": "right upper quadrant or epigastric pain",
    "visual_loss": "visual disturbance",
    "dyspnoea": "breathlessness",
    "confusion": "confusion",
    "neurological_deficit": "a new neurological deficit",
}


def _pre_eclampsia_sign_no_pressure(ev: Evidence) -> Finding | None:
    """A severe feature of pre-eclampsia recorded in pregnancy from 20 weeks (or with the weeks not
    recorded) or in the 6 weeks after birth, with no blood pressure measured: what decides it is
    missing (NICE NG133 1.1.1: a pregnant woman with these symptoms is seen immediately)."""
    patient = ev.patient
    recorded = patient.acute_symptoms
    if not recorded or not (patient.pre_eclampsia_possible or patient.postpartum):
        return None
    found = [s for s in recorded if s in _PRE_ECLAMPSIA_SIGNS]
    if not found or "sbp" in ev.latest or "dbp" in ev.latest:
        return None
    values: Values = {"acute_symptoms": ", ".join(found)}
    if patient.postpartum:
        values["postpartum"] = True
    else:
        values.update(pregnant=True, gestation_weeks=patient.gestation_weeks)
    return Finding(
        values,
        f"{', '.join(_PRE_ECLAMPSIA_SIGNS[s] for s in found)} {pregnancy_where(patient)} recorded with no"
        " blood pressure measured: measure it now - with 140 and/or 90 mmHg or more it is pre-eclampsia"
        " with severe features (emergency transfer to an obstetric unit)",
        0,
    )


SYMPTOMS: tuple[Rule, ...] = (
    Rule(
        "acute_symptom_emergency",
        E,
        "Chest pain, a new neurological deficit or confusion recorded now (at any pressure)",
        "NICE CG95 (2010, 2016) 1.2.1 (chest pain now, ACS suspected: emergency referral);"
        " NICE NG128 (2019) 1.1 (suspected stroke); " + HTN_EMERGENCY_REF + " (1); under 18: RCH Melbourne"
        " clinical practice guideline Chest pain (serious causes excluded first), RCPCH Stroke in childhood"
        " (2017) (suspected stroke: capillary glucose within 15 minutes); in pregnancy and after birth: MBRRACE-UK"
        " (pulmonary embolism, the leading direct cause of maternal death), RCOG Green-top 37b (2015)",
        _uncounted(EMERGENCY_SYMPTOMS, "emergency transfer now"),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "acute_symptom_urgent",
        U,
        "Breathlessness or visual loss, or in pregnancy from 20 weeks or after birth right upper quadrant or"
        " epigastric pain, recorded now (at any pressure): same-day assessment",
        "NICE CG95 (2010, 2016); RCP NEWS2 2017 (not used under 16 or in pregnancy); Royal College of"
        " Ophthalmologists (sudden visual loss:"
        " same-day assessment); ACOG Practice Bulletin 222 (2020) and BMJ Best Practice (HELLP syndrome);"
        " in pregnancy and after birth: MBRRACE-UK, RCOG Green-top 37b (2015) (pulmonary embolism)",
        _uncounted(URGENT_SYMPTOMS, "same-day clinical assessment (refer urgently)"),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "pre_eclampsia_symptom_no_pressure",
        L,
        "A sign of pre-eclampsia recorded in pregnancy from 20 weeks or within 6 weeks after birth with no"
        " blood pressure measured: measure it now",
        "NICE NG133 (2019) 1.1.1 (symptoms of pre-eclampsia: seen immediately); ACOG Practice Bulletin 222"
        " (2020) Box 3",
        _pre_eclampsia_sign_no_pressure,
        recheck_minutes=0,
    ),
)

"""The acute symptoms a clinician recorded now (``patient.acute_symptoms``) that no pressure rule
reads: chest pain, a new neurological deficit or confusion (an emergency whatever the pressure) and
breathlessness or visual loss (a same-day assessment), and in pregnancy from 20 weeks and after birth
right upper quadrant or epigastric pain (a same-day obstetric assessment: HELLP syndrome).

``hypertensive_emergency`` reads them from 180 and/or 110 mmHg (13-17: 140 and/or 90) and
``pre_eclampsia_severe_features`` from 140 and/or 90 in pregnancy from 20 weeks and after birth;
below those pressures, or with no pressure measured, a recorded chest pain was read by nothing - a
55-year-old with chest pain now and normal vital signs was local care, re-check in 30 days, the
symptom named nowhere. A headache or right upper quadrant or epigastric pain outside pregnancy and the
weeks after birth is no sign here either (not organ damage alone; each has many causes). In them a
headache is a referral beside a raised pressure or new proteinuria only
(``triage.patient.PRE_ECLAMPSIA_SYMPTOMS``; ``triage.rules.kidney``), and below 140/90 mmHg without
proteinuria it is said, the urine tested now if it was not and the check repeated within 24 hours
(``pregnancy_headache_below_140_90``); the pain is read at any pressure there, as HELLP syndrome
presents with a raised pressure in only 33-88 % of women (BMJ Best Practice, HELLP syndrome) and only
blood tests tell."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from triage.evidence import Evidence, Finding, Values
from triage.gestation import acr_before_20_weeks, measured_before_20_weeks
from triage.patient import PRE_ECLAMPSIA_SYMPTOMS, PatientContext
from triage.rule_checks import (
    MATERNAL_CHEST_PAIN,
    PE_MATERNAL,
    PROTEINURIA_DIPSTICK,
    hypertensive_emergency,
    maternal,
    pre_eclampsia_severe_features,
    pregnancy_significant_acr,
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


def _where_values(patient: PatientContext) -> Values:
    """Where pre-eclampsia is possible, as the staff pages read it: ``postpartum``, or ``pregnant``
    and the weeks (``None``: not recorded)."""
    if patient.postpartum:
        return {"postpartum": True}
    return {"pregnant": True, "gestation_weeks": patient.gestation_weeks}


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
    values: Values = {"acute_symptoms": ", ".join(found), **_where_values(patient)}
    return Finding(
        values,
        f"{', '.join(_PRE_ECLAMPSIA_SIGNS[s] for s in found)} {pregnancy_where(patient)} recorded with no"
        " blood pressure measured: measure it now - with 140 and/or 90 mmHg or more it is pre-eclampsia"
        " with severe features (emergency transfer to an obstetric unit)",
        0,
    )


# A headache in pregnancy from 20 weeks (or the weeks not recorded) or in the 6 weeks after birth is a
# symptom of pre-eclampsia (NICE NG133 (2019) 1.1.1; ACOG Practice Bulletin 222 Box 3) that the
# pressure rules read from 140 and/or 90 mmHg (pre_eclampsia_severe_features), the proteinuria rule
# beside new proteinuria (pregnancy_proteinuria_symptoms) and pre_eclampsia_symptom_no_pressure with no
# pressure measured. Below 140/90 with no proteinuria it was read by nothing: the disposition was local
# care in 30 days and the headache a clinician recorded was named nowhere. Pre-eclampsia is new
# hypertension with proteinuria or organ dysfunction (ACOG PB 222; ISSHP 2018), so these readings do not
# show it now - but they can come later: 38 % of first eclamptic fits came before hypertension and
# proteinuria had been documented (Douglas KA, Redman CW. BMJ 1994;309:1395), so the check (pressure,
# urine) is repeated within 24 hours, not at a routine visit, and she is told to come back at once with
# the symptoms NG133 1.1.1 lists. What decides it and was not measured - a urine protein from 20 weeks
# (NG133 1.4: a dipstick of 1+ or more with a symptom is a same-day assessment, PRECOG), or one of the
# two pressures - is measured now. The level stays local care: nothing is lowered, every rule above
# still fires and wins at its level.
HEADACHE_RECHECK = 24 * 60
_NEGATIVE = ("neg", "trace")
_PRESSURE_NAMES = {"sbp": "systolic", "dbp": "diastolic"}
_HEADACHE_READ = (
    "a symptom of pre-eclampsia (NICE NG133 1.1.1); these readings do not show pre-eclampsia now (new"
    " hypertension with proteinuria or organ dysfunction: ACOG PB 222), but the headache can come before them"
)
_HEADACHE_ACTION = (
    "repeat the blood pressure and urine protein within 24 hours; tell her to come back at once if the"
    " headache worsens or does not settle, or with visual disturbance, severe pain just below the ribs,"
    " vomiting or sudden swelling of the face, hands or feet (NICE NG133 1.1.1)"
)


def _urine_read(ev: Evidence) -> tuple[str, str]:
    """The urine protein the headache is read beside: ``negative`` (a dipstick neg or trace, or an
    ACR below 8 mg/mmol, from 20 weeks or after birth), ``before_20_weeks`` (only a reading that may
    have been measured before 20 weeks: it does not show that there is no new proteinuria - the
    cautious reading of the doubt) or ``not_tested``; with the words the reason says it in."""
    protein = ev.values.get("urine_protein")
    dipstick = protein in _NEGATIVE
    acr = "albumin_creatinine_ratio" in ev.latest
    shown = ([f"urine protein {protein} (dipstick)"] if dipstick else []) + (
        [f"ACR {ev.shown('albumin_creatinine_ratio')}, below 8 mg/mmol"] if acr else []
    )
    early = (not dipstick or measured_before_20_weeks(ev, "urine_protein", surely=False)) and (
        not acr or acr_before_20_weeks(ev)
    )
    if not shown:
        return "not_tested", "urine not tested for protein"
    if early:
        return (
            "before_20_weeks",
            f"urine not tested for protein from 20 weeks ({' and '.join(shown)} may have been measured before)",
        )
    return "negative", f"no proteinuria: {' and '.join(shown)}"


def _headache_below_140_90(ev: Evidence) -> Finding | None:
    """A headache recorded in pregnancy from 20 weeks (or the weeks not recorded) or in the 6 weeks after
    birth, a pressure measured below 140/90 mmHg and no proteinuria (a dipstick of 1+ or more, or an ACR
    of 8 mg/mmol or more: ``pregnancy_proteinuria_symptoms`` reads it, the same day): said, with what
    was not measured measured now (the urine, a missing pressure: re-check now), else the rule's re-check
    within 24 hours (``HEADACHE_RECHECK``)."""
    patient = ev.patient
    recorded = patient.acute_symptoms
    if (
        not recorded
        or "headache" not in recorded
        or not (patient.pre_eclampsia_possible or patient.postpartum)
    ):
        return None
    sbp, dbp = ev.num("sbp"), ev.num("dbp")
    if sbp is None and dbp is None:
        return None  # pre_eclampsia_symptom_no_pressure: measure it now
    if (sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90):
        return None  # pre_eclampsia_severe_features: an emergency transfer
    if ev.values.get("urine_protein") in PROTEINURIA_DIPSTICK or pregnancy_significant_acr(ev):
        return None  # pregnancy_proteinuria_symptoms: the same day
    urine, said = _urine_read(ev)
    missing = [code for code, v in (("sbp", sbp), ("dbp", dbp)) if v is None]
    now = [f"measure the {_PRESSURE_NAMES[code]} pressure now" for code in missing]
    pressure = f"the {_PRESSURE_NAMES[missing[0]]} not measured" if missing else "below 140/90"
    if urine != "negative":
        now.append(
            "test the urine for protein now (1+ or more with a headache: same-day obstetric assessment)"
        )
    values: Values = {
        "acute_symptoms": "headache",
        "sbp": sbp,
        "dbp": dbp,
        "urine_protein": ev.values.get("urine_protein"),
        "acr": ev.num("albumin_creatinine_ratio"),
        **_where_values(patient),
        "headache_pressure": f"{missing[0]}_missing" if missing else "below",
        "headache_urine": urine,
        "headache_now": "_".join([*missing, *(["urine"] if urine != "negative" else [])]) or "later",
    }
    return Finding(
        values,
        f"headache {pregnancy_where(patient)} recorded now (blood pressure {pressures(ev)} mmHg, {pressure};"
        f" {said}): {_HEADACHE_READ}: {'; '.join([*now, _HEADACHE_ACTION])}",
        0 if now else None,
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
    Rule(
        "pregnancy_headache_below_140_90",
        L,
        "A headache in pregnancy from 20 weeks or within 6 weeks after birth, below 140/90 mmHg and without"
        " proteinuria: said; the urine or a missing pressure measured now, else the check repeated within 24"
        " hours",
        "NICE NG133 (2019) 1.1.1 (symptoms of pre-eclampsia: seek advice immediately), 1.4 (proteinuria);"
        " ACOG Practice Bulletin 222 (2020) Box 3; Douglas KA, Redman CW. BMJ 1994;309:1395 (eclampsia"
        " before hypertension and proteinuria were documented)",
        _headache_below_140_90,
        recheck_minutes=HEADACHE_RECHECK,
    ),
)

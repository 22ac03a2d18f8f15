"""The longer checks of the glycaemia, kidney and blood-pressure rules (the package ``triage.rules``
names the rules by topic; these find what fires them). Pure: no I/O, no framework."""

from __future__ import annotations

from collections.abc import Callable

from triage.assessment import LEVEL_RANK
from triage.evidence import Evidence, Finding, Values
from triage.gestation import measured_before_20_weeks
from triage.patient import PRE_ECLAMPSIA_FROM_WEEKS, PRE_ECLAMPSIA_SYMPTOMS, PatientContext
from triage.scores.blood_pressure import emergency_threshold, is_crisis, is_emergency_pressure
from triage.scores.glycaemia import published_mgdl


def mmhg(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _pressure(ev: Evidence, code: str) -> str:
    """A pressure as read, its comparator kept (``>250``); ``?`` when there is none."""
    o = ev.latest.get(code)
    return "?" if o is None else f"{o.comparator or ''}{mmhg(ev.num(code))}"


def pressures(ev: Evidence) -> str:
    """``sbp/dbp`` as read: ``>250/?`` for a censored systolic alone (not ``250/?``)."""
    return f"{_pressure(ev, 'sbp')}/{_pressure(ev, 'dbp')}"


# the readings a glycaemia rule names, each as a person reads it (the staff pages' names)
_GLYCAEMIA_READINGS = {
    "glucose_fasting": "fasting glucose {}",
    "glucose_random": "random glucose {}",
    "hba1c": "HbA1c {}",
    "urine_ketones": "urine ketones {} (dipstick)",
}


def _limit(setting: float) -> str:
    """A policy's glucose limit as it is compared: ``3.0 mmol/L, 54 mg/dL`` when it is the mmol/L
    member of a published pair (a mg/dL reading meets its mg/dL member), else ``22.2 mmol/L``."""
    mmol = f"{setting:.1f}" if round(setting, 1) == setting else f"{setting:g}"
    mgdl = published_mgdl(setting)
    return f"{mmol} mmol/L" if mgdl is None else f"{mmol} mmol/L, {mgdl:g} mg/dL"


def _glycaemia_finding(ev: Evidence, text: str) -> Finding:
    """The glucose/HbA1c readings first, then ``text`` (its ``{low}`` and ``{high}`` filled in)."""
    values: Values = {k: ev.shown(k) for k in _GLYCAEMIA_READINGS if k in ev.latest}
    shown = ", ".join(_GLYCAEMIA_READINGS[k].format(v) for k, v in values.items())
    said = text.format(low=_limit(ev.glucose_critical_low), high=_limit(ev.glucose_critical_high))
    return Finding(values, f"{shown}: {said}" if shown else said)


def glycaemia_flag(flag: str, text: str) -> Callable[[Evidence], Finding | None]:
    """The reading(s) first, then what to do, the noun said once: ``random glucose 2.6 mmol/L:
    below the critical low (<3.0 mmol/L, 54 mg/dL): treat now ...`` (the rule's ``; measured
    <time>`` follows). ``{low}`` and ``{high}`` in ``text`` are the policy's critical values."""

    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get("glycaemia")
        if s is None or flag not in s.flags:
            return None
        return _glycaemia_finding(ev, text)

    return check


# a diabetes-range glucose or HbA1c: suspected diabetes to confirm, or in known diabetes a matter of
# control against the individual target (ADA 2025 s6; 中国2型糖尿病防治指南 2020: HbA1c <7.0 %,
# non-fasting glucose <10.0 mmol/L for most adults), not a diagnosis to confirm - and an HbA1c of
# 6.5-6.9 % alone is within that target (known_diabetes_at_target: nothing to review); in known
# diabetes a random glucose of 10.0 mmol/L (180 mg/dL) or more is above the non-fasting target
# also below the diabetes range (11.1); values["diabetes_range"] names which
_KNOWN_DIABETES = (
    "known diabetes: glycaemic control, not a diagnosis - review treatment against the individual"
    " target (HbA1c <7.0 %, non-fasting glucose <10.0 mmol/L for most adults)"
)
# in pregnancy the general targets do not apply (ADA Standards of Care 2025, section 15)
_KNOWN_DIABETES_PREGNANCY = (
    "known diabetes in pregnancy: the pregnancy targets are tighter than the general ones (ADA 2025 section"
    " 15: fasting glucose <5.3 mmol/L, 1 hour after a meal <7.8 mmol/L, HbA1c <6 % where reached without"
    " hypoglycaemia): review and manage her treatment with the antenatal diabetes team"
)
_DIABETES_RANGE = {
    kind: glycaemia_flag("diabetes_range", text)
    for kind, text in (
        ("suspected", "diabetes-range result (suspected; confirm with a repeat laboratory test)"),
        ("known_diabetes", _KNOWN_DIABETES),
        (
            "known_diabetes_at_target",
            "known diabetes: within the general target (HbA1c <7.0 %, fasting glucose 4.4-7.0 mmol/L for most"
            " adults): continue the current management; an individual target may be lower or higher",
        ),
        ("known_diabetes_pregnancy", _KNOWN_DIABETES_PREGNANCY),
    )
}
HBA1C_TARGET, HBA1C_TARGET_MMOL_MOL = 7.0, 53.0  # the published pair: 7.0 % = 53 mmol/mol
FASTING_TARGET_HIGH = 7.0  # 中国2型糖尿病防治指南 2020: fasting glucose 4.4-7.0 mmol/L
# 中国2型糖尿病防治指南 2020: non-fasting glucose <10.0 mmol/L; the published pair 10.0 mmol/L = 180
# mg/dL (ADA 2025 s6: peak postprandial <180 mg/dL), compared in the unit it was reported in
NON_FASTING_TARGET, NON_FASTING_TARGET_MGDL = 10.0, 180.0


def at_or_above(ev: Evidence, code: str, cut: float, unit: str, cut_as_reported: float) -> bool:
    """The reading of ``code`` at or above ``cut`` (its canonical unit), compared in the unit it was
    reported in: a reading received in ``unit`` against ``cut_as_reported``, that unit's member of the
    published pair (180 mg/dL, not 10.0 mmol/L converted); ``False`` without a reading."""
    value, reading = ev.num(code), ev.latest.get(code)
    if value is None or reading is None:
        return False
    reported = reading.reported_numeric(unit)
    return value >= cut if reported is None else reported >= cut_as_reported


def _random_above_target(ev: Evidence) -> bool:
    """A random (non-fasting) glucose at or above 10.0 mmol/L (180 mg/dL, as reported)."""
    return at_or_above(ev, "glucose_random", NON_FASTING_TARGET, "mg/dL", NON_FASTING_TARGET_MGDL)


def _above_target(ev: Evidence) -> bool:
    """In known diabetes, a random glucose at or above 10.0 mmol/L (the CDS 2020 non-fasting target
    is <10.0), a fasting glucose above 7.0 mmol/L (the top of the CDS 2020 target 4.4-7.0; 7.0 is in
    the diabetes range but within the target) or an HbA1c at or above 7.0 % (53 mmol/mol, compared
    in the unit it was reported in: 53 mmol/mol converts to 6.9995 %)."""
    fasting = ev.num("glucose_fasting")
    if _random_above_target(ev) or (fasting is not None and fasting > FASTING_TARGET_HIGH):
        return True
    a1c, reading = ev.num("hba1c"), ev.latest.get("hba1c")
    if a1c is None or reading is None:
        return False
    ifcc = reading.reported_numeric("mmol/mol")
    return a1c >= HBA1C_TARGET if ifcc is None else ifcc >= HBA1C_TARGET_MMOL_MOL


def diabetes_range(ev: Evidence) -> Finding | None:
    kind = "suspected"
    if ev.patient.diabetes:
        kind = "known_diabetes" if _above_target(ev) else "known_diabetes_at_target"
        if ev.patient.pregnant:  # never "within the general target" in pregnancy (ADA 2025 s15)
            kind = "known_diabetes_pregnancy"
    found = _DIABETES_RANGE[kind](ev)
    if found is None and ev.patient.diabetes and _random_above_target(ev):
        # 10.0-11.0 mmol/L: below the diabetes range, above the non-fasting target
        found = _glycaemia_finding(
            ev, _KNOWN_DIABETES_PREGNANCY if kind == "known_diabetes_pregnancy" else _KNOWN_DIABETES
        )
    if found is not None:
        found.values["diabetes_range"] = kind
    return found


def kidney_flag(flags: tuple[str, ...], text: str, noun: str = "") -> Callable[[Evidence], Finding | None]:
    """The kidney score's detail, then ``text``; ``noun`` (``eGFR``) goes before ``text`` only when
    the detail says more than that reading (an ACR after it): ``eGFR 25 mL/min/1.73m2 (G4): below
    30: ...`` but ``...; ACR 40 mg/g (A2): eGFR 30-59: ...``."""
    wanted = frozenset(flags)

    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get("kidney")
        if s is None or wanted.isdisjoint(s.flags):
            return None
        said = f"{noun} {text}" if noun and (";" in s.detail or not s.detail.startswith(noun)) else text
        return Finding(
            {"egfr": s.value, "acr": ev.num("albumin_creatinine_ratio"), "creatinine": ev.num("creatinine")},
            f"{s.detail}: {said}",
        )

    return check


# known (chronic) hypertension and new proteinuria from 20 weeks: pre-eclampsia superimposed on chronic
# hypertension (ISSHP 2018, Brown MA et al. Hypertension 2018;72:24: chronic hypertension with new
# proteinuria, maternal organ dysfunction or uteroplacental dysfunction; NICE NG133 2019: pre-eclampsia
# is assessed as such, its proteinuria quantified by PCR >=30 or ACR >=8 mg/mmol) - not read as the
# kidney damage of hypertension outside pregnancy; before 20 weeks, or present since, kidney disease.
# Said below 140/90 mmHg (from there its finding is supporting evidence for the pressure rules'), what
# it says of later readings as the engine routes them: a headache, visual disturbance or epigastric pain
# the same day (pregnancy_proteinuria_symptoms), 140/90 the same day (pregnancy_hypertension; NICE
# NG133 2019 Table 2: pre-eclampsia at 140/90-159/109 is assessed in secondary care and admitted on any
# concern), 160/110 (pregnancy_severe_hypertension) or 140/90 with a symptom of pre-eclampsia
# (pre_eclampsia_severe_features) an emergency transfer; with no pressure measured, it is measured now
SUPERIMPOSED = (
    "superimposed pre-eclampsia suspected - new proteinuria from 20 weeks in chronic hypertension (ISSHP"
    " 2018; NICE NG133), unless it was there before 20 weeks (kidney disease) - quantify it (urine"
    " protein:creatinine ratio >=30 mg/mmol or albumin:creatinine ratio >=8 mg/mmol) and check creatinine;"
    " refer to her obstetric team for a pre-eclampsia assessment (non-emergency; the same day with a"
    " headache, visual disturbance or epigastric pain, or from 140/90 mmHg; an emergency transfer from"
    " 160/110 mmHg, or from 140/90 mmHg with a symptom of pre-eclampsia)"
)
# ... but a dipstick measured before 20 weeks even read from the weeks' last day (usable 30 days: at
# 20-23 weeks it may predate 20 weeks; ``triage.gestation.measured_before_20_weeks``, as every rule now
# reads it) is not that new proteinuria: it may be kidney disease (NICE NG133 1.1.2: a high risk factor
# for pre-eclampsia) - the dipstick repeated now, the level and re-check kept
SUPERIMPOSED_BEFORE_20_WEEKS = (
    "measured before 20 weeks: not the new proteinuria from 20 weeks that suggests superimposed"
    " pre-eclampsia (ISSHP 2018; NICE NG133) - it may be kidney disease, a high risk factor for"
    " pre-eclampsia; repeat the dipstick now (from 20 weeks new proteinuria in chronic hypertension is read"
    " as superimposed pre-eclampsia), quantify it (urine protein:creatinine ratio >=30 mg/mmol or"
    " albumin:creatinine ratio >=8 mg/mmol) and check creatinine; tell her obstetric team; refer"
    " (non-emergency)"
)
UNMEASURED = "; no blood pressure measured: measure it now"


#: a urine dipstick that shows proteinuria (1+ or more; neg and trace do not)
PROTEINURIA_DIPSTICK = ("1+", "2+", "3+", "4+")


def proteinuria(ev: Evidence) -> Finding | None:
    protein = ev.values.get("urine_protein")
    if protein not in PROTEINURIA_DIPSTICK:
        return None
    bp = ev.scores.get("blood_pressure")
    raised = bp is not None and bp.band in ("grade_1", "grade_2", "grade_3", "stage_1", "stage_2")
    if not (ev.patient.hypertension or raised):
        return None
    values: Values = {
        "urine_protein": protein,
        "hypertension": ev.patient.hypertension,
        "sbp": ev.num("sbp"),
        "dbp": ev.num("dbp"),
    }
    if ev.patient.hypertension and ev.patient.pre_eclampsia_possible:
        where = f"with known hypertension {pregnancy_where(ev.patient)}"
        if measured_before_20_weeks(ev, "urine_protein", surely=True):
            values["urine_protein_before_20_weeks"] = True
            said = f"{where}, {SUPERIMPOSED_BEFORE_20_WEEKS}"
        else:
            values["superimposed"] = True
            said = f"{where}: {SUPERIMPOSED}"
        # what decides how soon she is seen (from 140/90 the same day) is missing: measured now
        unmeasured = pressures(ev) == "?/?"
        return Finding(
            values,
            f"urine protein {protein} (dipstick) {said}{UNMEASURED if unmeasured else ''}",
            0 if unmeasured else None,
        )
    if ev.patient.hypertension:
        why = "known hypertension"
    else:
        grade = str(bp.band if bp is not None else "").replace("_", " ")
        why = f"blood pressure {pressures(ev)} mmHg ({grade} range)"
    return Finding(values, f"urine protein {protein} (dipstick) with {why}: {_PROTEINURIA_ACTION[protein]}")


# what proteinuria with hypertension asks for; at 3+ or more (about 300 mg/dL, KDIGO's A3 range) also
# the check for oedema that proteinuria_3plus asks for (nephrotic syndrome), which leaves the dipstick
# to this rule beside hypertension (``unquantified_proteinuria``) and so said nothing of it
_PROTEINURIA_ACTION = {
    **dict.fromkeys(("1+", "2+"), "check ACR and creatinine; refer (non-emergency)"),
    **dict.fromkeys(
        ("3+", "4+"), "check ACR and creatinine, and for oedema (nephrotic syndrome); refer (non-emergency)"
    ),
}


# NICE NG133 (2019) 1.4.7 and its definition of pre-eclampsia: an albumin:creatinine ratio of 8 mg/mmol
# or more is significant proteinuria in pregnancy (KDIGO's 3 mg/mmol, 30 mg/g, is not the pre-eclampsia
# cut-point); compared as reported - in mg/mmol from 8, in mg/g from 70.7 (8 x 1000/113.12 = 70.72, to
# the one decimal mg/g is reported in)
PREGNANCY_ACR_MG_MMOL, PREGNANCY_ACR_MG_G = 8.0, 70.7


def pregnancy_significant_acr(ev: Evidence) -> bool:
    """An ACR of 8 mg/mmol (70.7 mg/g) or more, in the unit it was reported in (NICE NG133)."""
    return at_or_above(ev, "albumin_creatinine_ratio", PREGNANCY_ACR_MG_G, "mg/mmol", PREGNANCY_ACR_MG_MMOL)


def leaves_to(ev: Evidence, rule: str, other: str) -> bool:
    """Whether ``rule`` may leave what it found to ``other`` (saying nothing itself): only with
    ``other`` switched on at a level, under the clinic's policy (``Evidence.levels``), at least
    ``rule``'s - the tier follows the level -, and asking to see the patient again as soon
    (``Evidence.rechecks``: its re-check, else its level's, no later than ``rule``'s). A rule a clinic
    switched off, set lower or set at its level but re-checked later (``proteinuria_with_hypertension``
    at local care: 30 days, for ``proteinuria_2plus``'s week) never silences another rule's referral or
    its sooner re-check."""
    levels = ev.levels
    theirs = levels.get(other)
    if theirs is None:
        return False
    mine = levels.get(rule)
    if mine is None:
        return True
    if LEVEL_RANK[theirs] < LEVEL_RANK[mine]:
        return False
    rechecks = ev.rechecks
    soonest = rechecks.get(rule)
    return soonest is None or rechecks.get(other, soonest) <= soonest


PROTEINURIA_WITH_HYPERTENSION = "proteinuria_with_hypertension"
# the pre-eclampsia pathway's rule that reads a dipstick from 20 weeks (triage.rules.kidney), by
# dipstick; from 140/90 mmHg pregnancy_hypertension reads it (the same day)
_PREGNANCY_DIPSTICK_RULES = {
    "1+": "pregnancy_proteinuria_1plus",
    **dict.fromkeys(("2+", "3+", "4+"), "pregnancy_proteinuria_2plus"),
}


def _pregnancy_reads(ev: Evidence, protein: str) -> str:
    """The rule that reads dipstick ``protein`` on the pre-eclampsia pathway at this pressure."""
    sbp, dbp = ev.num("sbp"), ev.num("dbp")
    if (sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90):
        return "pregnancy_hypertension"
    return _PREGNANCY_DIPSTICK_RULES[protein]


def unquantified_proteinuria(
    rule: str, levels: tuple[str, ...], text: str
) -> Callable[[Evidence], Finding | None]:
    """Dipstick protein at ``levels`` with no ACR to quantify it, said by ``rule``; without
    hypertension (with it, ``proteinuria_with_hypertension`` refers at >=1+; an ACR decides through
    ``albuminuria``); not in pregnancy from 20 weeks (or the weeks not recorded), where
    ``pregnancy_proteinuria_1plus`` and ``_2plus`` read it on the pre-eclampsia pathway (from 140/90
    mmHg ``pregnancy_hypertension``). Each is left to only while it is switched on at this rule's
    level or higher (``leaves_to``): a clinic that switches it off or sets it lower still gets this
    rule's action."""

    def check(ev: Evidence) -> Finding | None:
        protein = ev.values.get("urine_protein")
        if protein not in levels or "albumin_creatinine_ratio" in ev.latest:
            return None
        if ev.patient.pre_eclampsia_possible and leaves_to(ev, rule, _pregnancy_reads(ev, str(protein))):
            return None  # the pre-eclampsia pathway reads it (triage.rules.kidney)
        if leaves_to(ev, rule, PROTEINURIA_WITH_HYPERTENSION):
            # whether it fired: as assess() found it checking that rule before this one
            # (``Evidence.fired``), else checked here (its finding and texts built for nothing)
            with_hypertension = ev.fired.get(PROTEINURIA_WITH_HYPERTENSION)
            if with_hypertension is None:
                with_hypertension = proteinuria(ev) is not None
            if with_hypertension:
                return None
        return Finding({"urine_protein": protein}, f"urine protein {protein} (dipstick) and no ACR: {text}")

    return check


# each recorded acute symptom (triage.patient.ACUTE_SYMPTOMS) as the reason names it
_SYMPTOMS = {
    "chest_pain": "chest pain",
    "dyspnoea": "breathlessness",
    "neurological_deficit": "a new neurological deficit",
    "confusion": "confusion",
    "visual_loss": "visual loss",
    "headache": "headache in pregnancy",
    "epigastric_pain": "right upper quadrant or epigastric pain in pregnancy",
}


# the pressure a hypertensive emergency starts at, by age (triage.scores.blood_pressure.emergency_threshold)
_EMERGENCY_THRESHOLDS = {
    "adult": ">=180 and/or >=110",
    "adolescent": "AAP 2017 adolescent stage 2: >=140 and/or >=90",
    "child": ">=180 and/or >=110, the adult threshold: under 13 AAP 2017 reads stage 2 on percentile"
    " tables for sex, age and height, which this engine does not hold - a child with these symptoms"
    " at a lower pressure may also be an emergency",
}


def _gestation(patient: PatientContext) -> str:
    """A counted headache's weeks of pregnancy as the reason says them: the weeks, or that they were
    not recorded and the headache is counted as from 20 weeks (conservative)."""
    if patient.gestation_weeks is None:
        return (
            f" (weeks of pregnancy not recorded: counted as from {PRE_ECLAMPSIA_FROM_WEEKS} weeks, when"
            " pre-eclampsia is possible)"
        )
    return f" at {patient.gestation_weeks} weeks"


# a headache or epigastric pain after birth as the reason names it: postpartum pre-eclampsia presents
# from 48 hours to 6 weeks after birth (Hauspurg and Jeyabalan 2022), a new headache and persistent
# right upper quadrant or epigastric pain severe features (ACOG PB 222, Box 3)
_AFTER_BIRTH = " after birth (postpartum, within 6 weeks: pre-eclampsia is possible)"
_AFTER_BIRTH_NAMED = {"headache": "headache", "epigastric_pain": "right upper quadrant or epigastric pain"}


# chest pain in pregnancy and the 6 weeks after birth: pulmonary embolism is the leading direct cause of
# maternal death (MBRRACE-UK) and pregnancy raises the risk of aortic dissection; RCOG Green-top 37b
# (2015): objective testing without delay. Said at any pressure - by acute_symptom_emergency below the
# pressure rules' thresholds (triage.rules.symptoms), by hypertensive_emergency from 180 and/or 110
MATERNAL_CHEST_PAIN = (
    "in pregnancy and the 6 weeks after birth pulmonary embolism (the leading direct cause of maternal"
    " death, MBRRACE-UK) and aortic dissection (more likely in pregnancy) are suspected as well as an acute"
    " coronary syndrome, until an ECG and a clinician exclude them (RCOG Green-top 37b: objective testing"
    " for a pulmonary embolism without delay)"
)


# breathlessness in pregnancy and the 6 weeks after birth: a pulmonary embolism is possible (MBRRACE-UK;
# RCOG Green-top 37b: objective testing without delay). Said at any pressure - by acute_symptom_urgent
# below the pressure rules' thresholds (triage.rules.symptoms), by pre_eclampsia_severe_features from
# 140 and/or 90 (beside a pulmonary oedema) and by hypertensive_emergency from 180 and/or 110
PE_MATERNAL = (
    "pulmonary embolism (the leading direct cause of maternal death, MBRRACE-UK) is possible until a"
    " clinician excludes it (RCOG Green-top 37b: objective testing without delay)"
)


def maternal(patient: PatientContext) -> str | None:
    """``postpartum`` in the 6 weeks after birth, ``pregnancy`` in pregnancy, else ``None``: where chest
    pain and breathlessness name a pulmonary embolism (``values["pulmonary_embolism"]``)."""
    return "postpartum" if patient.postpartum else "pregnancy" if patient.pregnant else None


def hypertensive_emergency(ev: Evidence) -> Finding | None:
    """A pressure of 180 and/or 110 mmHg or more (13-17: the AAP 2017 stage 2, 140 and/or 90) with
    an acute symptom a clinician recorded: acute target-organ damage is suspected. A headache or
    epigastric pain (``PRE_ECLAMPSIA_SYMPTOMS``) counts as a sign of severe pre-eclampsia only: in
    pregnancy from 20 weeks, or with the weeks not recorded (``PatientContext.pre_eclampsia_possible``;
    the reason says which), and in the 6 weeks after birth (``postpartum``: ``values["postpartum"]``).
    Under 13 the adult pressure, as the reason says. Chest pain in pregnancy or after birth also names a
    pulmonary embolism and an aortic dissection (``MATERNAL_CHEST_PAIN``, ``values["pulmonary_embolism"]``),
    as ``acute_symptom_emergency`` does below this pressure; without chest pain, breathlessness there names
    a pulmonary embolism (``PE_MATERNAL``), as ``acute_symptom_urgent`` does below it."""
    sbp, dbp = ev.num("sbp"), ev.num("dbp")
    patient = ev.patient
    if not patient.acute_symptoms or not is_emergency_pressure(sbp, dbp, patient.age):
        return None
    counted = patient.pre_eclampsia_possible or bool(patient.postpartum)
    found = [s for s in patient.acute_symptoms if s not in PRE_ECLAMPSIA_SYMPTOMS or counted]
    if not found:
        return None
    threshold = emergency_threshold(patient.age)
    values: Values = {
        "sbp": sbp,
        "dbp": dbp,
        "acute_symptoms": ", ".join(found),
        "bp_threshold": threshold,
    }
    named = [_SYMPTOMS[s] for s in found]
    for i, s in enumerate(found):
        if s not in PRE_ECLAMPSIA_SYMPTOMS:
            continue
        if patient.postpartum:
            values["postpartum"] = True
            named[i] = _AFTER_BIRTH_NAMED[s] + _AFTER_BIRTH
        else:
            values["gestation_weeks"] = patient.gestation_weeks
            named[i] += _gestation(patient)
    told = ""
    if (where := maternal(patient)) is not None:
        # chest pain's meaning names the embolism too: said once
        if "chest_pain" in found:
            told = f"; chest pain: {MATERNAL_CHEST_PAIN}"
        elif "dyspnoea" in found:
            told = f"; breathlessness: {PE_MATERNAL}"
        if told:
            values["pulmonary_embolism"] = where
    return Finding(
        values,
        f"blood pressure {pressures(ev)} mmHg ({_EMERGENCY_THRESHOLDS[threshold]}) with"
        f" {', '.join(named)}: hypertensive emergency (acute target-organ damage"
        f" suspected): emergency transfer now{told}",
    )


# the recorded acute symptoms that are severe features of pre-eclampsia beside a pressure of 140
# and/or 90 mmHg, each as the reason names it: ACOG Practice Bulletin 222 (2020), Box 3 - new-onset
# headache, visual disturbances, pulmonary oedema (breathlessness); ISSHP 2018 - neurological
# complications: altered mental status (confusion), stroke (a new deficit), severe headache,
# blindness or persistent visual scotomata; ACOG Box 3 and NICE NG133 1.1.1 - persistent right upper
# quadrant or epigastric pain ("severe pain just below the ribs"), with HELLP syndrome. Chest pain is
# none of them (it still counts toward a hypertensive emergency from 180/110).
_SEVERE_FEATURES = {
    "headache": "headache",
    "epigastric_pain": "right upper quadrant or epigastric pain (HELLP syndrome?)",
    "visual_loss": "visual disturbance",
    "dyspnoea": "breathlessness (pulmonary oedema?)",
    "confusion": "confusion",
    "neurological_deficit": "a new neurological deficit",
}


def pregnancy_where(patient: PatientContext) -> str:
    """Where pre-eclampsia is possible, as a reason says it: ``after birth (postpartum, within 6
    weeks)``, ``in pregnancy at 30 weeks``, or that the weeks were not recorded."""
    if patient.postpartum:
        return "after birth (postpartum, within 6 weeks)"
    return f"in pregnancy{_gestation(patient)}"


def pre_eclampsia_severe_features(ev: Evidence) -> Finding | None:
    """A pressure of 140 and/or 90 mmHg or more with a symptom of severe pre-eclampsia (a headache,
    right upper quadrant or epigastric pain, visual disturbance, breathlessness, confusion or a new
    neurological deficit a clinician recorded)
    in pregnancy from 20 weeks - or with the weeks not recorded (conservative, said) - or in the 6
    weeks after birth: pre-eclampsia with severe features is suspected (ACOG Practice Bulletin 222,
    Box 3; ISSHP 2018), which is admitted (NICE NG133 1.5.2; ACOG PB 222: inpatient management) -
    an emergency transfer to an obstetric unit, not a same-day appointment. ACOG counts a headache
    and epigastric pain when medication does not relieve them and no other diagnosis accounts for
    them, which the clinic cannot settle at the desk: the obstetric unit does, and the reason says so.
    Breathlessness is a pulmonary oedema's sign here, and in pregnancy and after birth a pulmonary
    embolism's as well: the reason names it (``PE_MATERNAL``, ``values["pulmonary_embolism"]``), as
    ``acute_symptom_urgent`` does below 140/90."""
    patient = ev.patient
    if not patient.acute_symptoms or not (patient.pre_eclampsia_possible or patient.postpartum):
        return None
    found = [s for s in patient.acute_symptoms if s in _SEVERE_FEATURES]
    sbp, dbp = ev.num("sbp"), ev.num("dbp")
    if not found or not ((sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90)):
        return None
    values: Values = {"sbp": sbp, "dbp": dbp, "acute_symptoms": ", ".join(found)}
    if patient.postpartum:
        values["postpartum"] = True
    else:
        values.update(pregnant=True, gestation_weeks=patient.gestation_weeks)
    embolism = ""
    if "dyspnoea" in found:
        values["pulmonary_embolism"] = "postpartum" if patient.postpartum else "pregnancy"
        embolism = f"; breathlessness: {PE_MATERNAL}"
    where = pregnancy_where(patient)
    # ACOG counts each only when no other diagnosis accounts for it: the obstetric unit settles that
    named = [
        {"headache": "the headache", "epigastric_pain": "the pain"}[s]
        for s in found
        if s in PRE_ECLAMPSIA_SYMPTOMS
    ]
    headache = (
        f"; {' and '.join(named)} {'count' if len(named) > 1 else 'counts'} unless that assessment finds another cause"
        if named
        else ""
    )
    return Finding(
        values,
        f"blood pressure {pressures(ev)} mmHg {where} (>=140 and/or >=90) with"
        f" {', '.join(_SEVERE_FEATURES[s] for s in found)}: pre-eclampsia with severe features suspected,"
        " at risk of eclampsia: emergency transfer to an obstetric unit now for assessment and admission"
        f"{headache}{embolism}",
    )


# AAP 2017 (Flynn JT et al. Pediatrics 2017;140:e20171904) Tables 4 and 5, ages 1-12: the highest
# 95th percentile of any sex, age and height is 128/79 mmHg (boys, 12 years, 95th height percentile),
# so above 180 and/or 120 a child is always more than 30 mmHg above it (Table 11, footnote d). The
# tables start at 1 year: under it (infants) the rule does not fire.
CHILD_P95_MAX = (128, 79)
CHILD_TABLES_FROM = 1
_SEVERE_AGE = {
    "adolescent": "at age 13-17 (>180 and/or >120, AAP 2017)",
    "child": "at age 1-12 (>180 and/or >120: more than 30 mmHg above the 95th percentile for any sex, age"
    f" and height - the highest in the AAP 2017 tables is {CHILD_P95_MAX[0]}/{CHILD_P95_MAX[1]} mmHg, at 12"
    " years - AAP 2017 Table 11 footnote d)",
}


def adolescent_severe_hypertension(ev: Evidence) -> Finding | None:
    """1-17: a pressure above 180 and/or 120 mmHg is sent to an emergency department now, with or
    without symptoms (Flynn JT et al. Pediatrics 2017;140:e20171904, Table 11 'Patient Evaluation and
    Management According to BP Level', footnote d: 'If the patient is symptomatic or BP is >30 mm Hg
    above the 95th percentile (or >180/120 mm Hg in an adolescent), send to an ED'). Under 13 the
    criterion is the 95th percentile for sex, age and height: the engine holds no tables, but above
    180/120 every child of 1-12 is more than 30 mmHg above it (``CHILD_P95_MAX``). From 18 the same
    pressure without symptoms is a hypertensive urgency (``hypertensive_crisis``); under 1 year
    unchanged (the AAP tables start at 1)."""
    sbp, dbp, age = ev.num("sbp"), ev.num("dbp"), ev.patient.age
    band = emergency_threshold(age)
    if band == "adult" or age is None or age < CHILD_TABLES_FROM or not is_crisis(sbp, dbp):
        return None
    return Finding(
        {"sbp": sbp, "dbp": dbp, "severe_age": band},
        f"blood pressure {pressures(ev)} mmHg {_SEVERE_AGE[band]}: send to an emergency department now,"
        " with or without symptoms",
    )


def pregnancy_severe_hypertension(ev: Evidence) -> Finding | None:
    """A pressure of 160 and/or 110 mmHg or more in pregnancy: severe hypertension, an obstetric
    emergency once confirmed within 15 minutes (ACOG Committee Opinion 767, 2019; NICE NG133:
    admit). At any gestation: ACOG 767 treats acute-onset severe hypertension in the prenatal,
    intrapartum and postpartum periods alike (before 20 weeks it is chronic hypertension, not
    pre-eclampsia, and as dangerous to the mother); the reason names the weeks when recorded. After
    birth ``postpartum_severe_hypertension`` applies the same cut-points (``triage.rules.blood_pressure``,
    docs/assessment.md, "After birth")."""
    if not ev.patient.pregnant:  # the patient record first: most patients are not, and read no pressure
        return None
    sbp, dbp = ev.num("sbp"), ev.num("dbp")
    if not ((sbp is not None and sbp >= 160) or (dbp is not None and dbp >= 110)):
        return None
    weeks = ev.patient.gestation_weeks
    return Finding(
        {"sbp": sbp, "dbp": dbp, "pregnant": True, "gestation_weeks": weeks},
        f"blood pressure {pressures(ev)} mmHg in pregnancy{'' if weeks is None else f' at {weeks} weeks'}"
        " (>=160 and/or >=110): severe hypertension, an obstetric emergency - confirm within 15 minutes;"
        " emergency transfer for treatment within 30-60 minutes",
        15,
    )

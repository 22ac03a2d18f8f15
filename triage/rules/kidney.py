"""The kidney rules: eGFR, albuminuria and dipstick proteinuria (their checks: ``triage.rule_checks``).

In pregnancy from 20 weeks (or with the weeks not recorded) new dipstick proteinuria below 140/90 mmHg
is read on the pre-eclampsia pathway, not KDIGO's: NICE NG133 (2019) 1.4.3 quantifies a dipstick of
1+ or more with a protein:creatinine ratio (significant from 30 mg/mmol, 1.4.6) or an
albumin:creatinine ratio (8 mg/mmol, 1.4.7), and the pre-eclampsia community guideline (PRECOG,
Milne F et al. BMJ 2005;330:576) refers new proteinuria without hypertension: 1+ - the pre-eclampsia
check repeated in the community within a week; 2+ or more - a hospital step-up assessment within 48
hours; with symptoms, the same day. The KDIGO dipstick rules ("measure the ACR now", "an ACR >=30
mg/g refers", "not during menstruation") then do not fire (``unquantified_proteinuria``) - unless a
clinic switched the pregnancy rule off or set it below theirs (``leaves_to``). From 140 and/or 90
``pregnancy_hypertension`` sends her the same day and asks for the urine protein, or names it."""

from __future__ import annotations

from collections.abc import Callable

from triage.evidence import Evidence, Finding, Values
from triage.gestation import acr_before_20_weeks, acr_surely_before_20_weeks, measured_before_20_weeks
from triage.rule_checks import (
    PROTEINURIA_DIPSTICK,
    PROTEINURIA_WITH_HYPERTENSION,
    kidney_flag,
    leaves_to,
    pregnancy_significant_acr,
    pregnancy_where,
    pressures,
    proteinuria,
    unquantified_proteinuria,
)
from triage.rules.rule import HEARTS_REF, HEARTS_ROUTINE_REF, L, R, Rule, U
from triage.scores.result import years

PRE_ECLAMPSIA_PROTEINURIA_REF = (
    "NICE NG133 (2019) 1.4.3-1.4.7 (quantify a dipstick of 1+ or more: PCR >=30 mg/mmol, ACR >=8 mg/mmol);"
    " PRECOG (Milne F et al. BMJ 2005;330:576): new proteinuria without hypertension from 20 weeks"
)
_QUANTIFY = (
    "quantify it with a urine protein:creatinine ratio (significant from 30 mg/mmol) or albumin:creatinine"
    " ratio (from 8 mg/mmol)"
)
_SAME_DAY = "; the same day with a headache, visual disturbance or epigastric pain"

# A positive dipstick is repeated away from what raises urine protein for a while (infection, fever,
# heavy exercise) and from menstruation (blood reads as protein) - said only where she may menstruate:
# not for a male, not in pregnancy (before 20 weeks these rules read it), not under 10, where menarche
# would be precocious puberty (中枢性性早熟诊断与治疗专家共识 2022: menarche before 10.0 years); with
# the sex or the age not recorded it is said. In the 6 weeks after birth (``postpartum``) the blood is
# the postnatal bleeding (lochia), not menstruation: the repeat is away from it. Under 18 on a first
# morning urine sample: orthostatic proteinuria, common in children and adolescents (Brandt JR et al.
# Pediatr Nephrol 2010;25:1131: 1 in 5 healthy 6-19-year-olds), is absent from it (K/DOQI 2002
# guideline 5). The ACR that refers, 30 mg/g, is KDIGO's A2 at every age.
MENARCHE_FROM = 10
CHILD_UNDER = 18


# the bleeding a positive dipstick is repeated away from (blood reads as protein), as the reason says it
_BLEEDING = {
    "menstruation": "infection, fever, heavy exercise or menstruation",
    "lochia": "infection, fever or heavy exercise, nor while there is postnatal bleeding (lochia)",
    "": "infection, fever or heavy exercise",
}


def _dipstick_repeat(rule: str, text: str, levels: tuple[str, ...]) -> Callable[[Evidence], Finding | None]:
    """``unquantified_proteinuria`` at ``levels``, its ``text``'s ``{repeat}`` said for the patient: a
    child's first morning sample (``values.child``), menstruation only where she may menstruate
    (``values.menstruation`` false where not), the postnatal bleeding (lochia) in the 6 weeks after
    birth (``values.lochia``)."""
    checks = {
        (child, bleeding): unquantified_proteinuria(
            rule, levels, text.format(repeat=_repeat(child, bleeding))
        )
        for child in (False, True)
        for bleeding in _BLEEDING
    }

    def check(ev: Evidence) -> Finding | None:
        patient = ev.patient
        age = None if patient.age is None else years(patient.age)
        child = age is not None and age < CHILD_UNDER
        if patient.postpartum:
            bleeding = "lochia"
        elif patient.sex != "male" and not patient.pregnant and (age is None or age >= MENARCHE_FROM):
            bleeding = "menstruation"
        else:
            bleeding = ""
        found = checks[child, bleeding](ev)
        if found is not None:
            if child:
                found.values["child"] = True
            if bleeding != "menstruation":
                found.values["menstruation"] = False
            if bleeding == "lochia":
                found.values["lochia"] = True
        return found

    return check


def _repeat(child: bool, bleeding: str) -> str:
    avoid = _BLEEDING[bleeding]
    if child:
        return (
            "on a first morning urine sample (orthostatic proteinuria, common in children and adolescents,"
            f" is absent from it; not during {avoid})"
        )
    return f"(not during {avoid})"


# an ACR that may have been measured before 20 weeks (``acr_before_20_weeks``) beside a dipstick from 20
# weeks: it does not quantify the new proteinuria, so the dipstick is read as with no ACR and the reason
# says why - "was" only when surely before (``acr_surely_before_20_weeks``, as the ACR rules read it)
_NO_ACR_SINCE = "no ACR from 20 weeks (the ACR {acr} {was} measured before 20 weeks: it does not quantify new proteinuria)"


# ... and an ACR from 20 weeks measured before the dipstick: the dipstick is the newer reading, and
# protein that appeared since is in no older ACR - the dipstick read as with no ACR, a new one asked for
_NO_ACR_SINCE_DIPSTICK = (
    "no ACR since the dipstick (the ACR {acr} was measured before it: it does not quantify it - measure a"
    " new one)"
)


def _acr_before_dipstick(ev: Evidence) -> bool:
    """Whether the ACR used was measured before the dipstick used (at the same time it is not)."""
    acr, dipstick = ev.latest["albumin_creatinine_ratio"], ev.latest["urine_protein"]
    return acr.observed_at < dipstick.observed_at


def _acr_answers(ev: Evidence) -> bool:
    """Whether the ACR used answers a dipstick on the pre-eclampsia pathway: of 8 mg/mmol or more and not
    surely before 20 weeks - the new proteinuria ``pregnancy_proteinuria_acr`` and
    ``pregnancy_hypertension`` read it as (one predicate, ``acr_surely_before_20_weeks``: a dipstick rule
    never calls it measured before 20 weeks), significant proteinuria whenever the dipstick was read -,
    else measured from 20 weeks (not ``acr_before_20_weeks``) and at the dipstick's time or after it
    (not ``_acr_before_dipstick``: an older ACR does not quantify a newer dipstick)."""
    if pregnancy_significant_acr(ev) and not acr_surely_before_20_weeks(ev):
        return True
    return not acr_before_20_weeks(ev) and not _acr_before_dipstick(ev)


# a dipstick measured before 20 weeks even read from the weeks' last day (usable 30 days: at 20-23 weeks
# it may predate 20 weeks), as an ACR is read (``measured_before_20_weeks``): not the new proteinuria
# from 20 weeks NG133 reads for pre-eclampsia - said so, the rule's level and re-check kept (never
# lowered), the dipstick repeated now (``values.urine_protein_before_20_weeks``)
_DIPSTICK_BEFORE = (
    "measured before 20 weeks: not the new proteinuria from 20 weeks NICE NG133 reads for pre-eclampsia - {pre}"
    "; repeat the dipstick now (from 20 weeks 1+ or more is read for pre-eclampsia), {quantify} and check"
    " the creatinine; tell her obstetric team"
)


def pregnancy_proteinuria(
    levels: tuple[str, ...], text: str, before: str = ""
) -> Callable[[Evidence], Finding | None]:
    """Dipstick protein at ``levels`` with no ACR from 20 weeks (none usable, or one that does not
    answer it, ``_acr_answers``: measured before 20 weeks, ``values.acr_before_20_weeks``, or below 8
    mg/mmol and perhaps before, ``values.acr_maybe_before_20_weeks``) in pregnancy from 20 weeks (or
    the weeks not recorded), the pressure below 140 and 90 mmHg or not measured: new proteinuria, the
    first sign of pre-eclampsia in some women (PRECOG) - unless the dipstick was measured before 20
    weeks (``_DIPSTICK_BEFORE``, then ``before``)."""

    def check(ev: Evidence) -> Finding | None:
        protein = ev.values.get("urine_protein")
        if protein not in levels or not ev.patient.pre_eclampsia_possible:
            return None
        # an ACR quantifies it only from 20 weeks: one measured before says nothing of new proteinuria
        earlier = "albumin_creatinine_ratio" in ev.latest
        if earlier and _acr_answers(ev):
            return None
        sbp, dbp = ev.num("sbp"), ev.num("dbp")
        if (sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90):
            return None  # pregnancy_hypertension: the same day, for pre-eclampsia (urine protein)
        values: Values = {
            "urine_protein": protein,
            "pregnant": True,
            "gestation_weeks": ev.patient.gestation_weeks,
        }
        where = pregnancy_where(ev.patient)
        if measured_before_20_weeks(ev, "urine_protein", surely=True):
            values["urine_protein_before_20_weeks"] = True
            said = _DIPSTICK_BEFORE.format(pre=_PRE_EXISTING, quantify=_QUANTIFY)
            return Finding(values, f"urine protein {protein} (dipstick) {where}, {said}{before}")
        if earlier:
            values["acr"], acr = ev.num("albumin_creatinine_ratio"), ev.shown("albumin_creatinine_ratio")
            if not acr_before_20_weeks(ev):  # from 20 weeks, but older than the dipstick
                values["acr_before_dipstick"] = True
                no_acr = _NO_ACR_SINCE_DIPSTICK.format(acr=acr)
            else:
                surely = acr_surely_before_20_weeks(ev)
                values["acr_before_20_weeks" if surely else "acr_maybe_before_20_weeks"] = True
                no_acr = _NO_ACR_SINCE.format(acr=acr, was="was" if surely else "may have been")
        else:
            no_acr = "no ACR"
        return Finding(
            values,
            f"urine protein {protein} (dipstick) {where} and {no_acr}: new proteinuria"
            f" from 20 weeks can be the first sign of pre-eclampsia - {text}{_SAME_DAY}",
        )

    return check


def _below_140_90(ev: Evidence) -> bool:
    """Neither pressure at 140/90 mmHg or more (or none measured): from there the pressure rules read
    the proteinuria (``pregnancy_hypertension`` the same day, ``pre_eclampsia_severe_features``)."""
    sbp, dbp = ev.num("sbp"), ev.num("dbp")
    return not ((sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90))


_ACR_SIGNIFICANT = "significant proteinuria (NICE NG133: an ACR of 8 mg/mmol, 70.7 mg/g, or more)"


def _pregnancy_acr_read(ev: Evidence) -> bool:
    """An ACR of 8 mg/mmol or more in pregnancy from 20 weeks (or the weeks not recorded), measured
    from 20 weeks (not ``acr_surely_before_20_weeks``), the pressure below 140/90 mmHg or not measured: what
    ``pregnancy_proteinuria_acr`` reads."""
    return (
        ev.patient.pre_eclampsia_possible
        and pregnancy_significant_acr(ev)
        and _below_140_90(ev)
        and not acr_surely_before_20_weeks(ev)
    )


def _pregnancy_acr(ev: Evidence) -> Finding | None:
    """An ACR of 8 mg/mmol or more in pregnancy from 20 weeks (or the weeks not recorded), the
    pressure below 140/90 mmHg or not measured: significant proteinuria (NICE NG133), read as a
    dipstick of 2+ is (PRECOG: a hospital assessment within 48 hours), not on KDIGO's pathway."""
    if not _pregnancy_acr_read(ev):
        return None
    return Finding(
        {
            "acr": ev.num("albumin_creatinine_ratio"),
            "pregnant": True,
            "gestation_weeks": ev.patient.gestation_weeks,
        },
        f"ACR {ev.shown('albumin_creatinine_ratio')} {pregnancy_where(ev.patient)}: {_ACR_SIGNIFICANT} - new"
        " proteinuria from 20 weeks can be the first sign of pre-eclampsia - refer for a hospital (obstetric"
        f" day unit) assessment for pre-eclampsia within 48 hours{_SAME_DAY}",
    )


_KDIGO_ALBUMINURIA = kidney_flag(
    ("albuminuria_a2_a3", "albuminuria_a3"),
    "moderately or severely increased albuminuria: confirm on a repeat sample; refer (non-emergency)",
)


PREGNANCY_ACR_RULE = "pregnancy_proteinuria_acr"


# an ACR of 3-7.9 mg/mmol (30-70.6 mg/g: KDIGO's A2) in pregnancy from 20 weeks (or the weeks not
# recorded): below the 8 mg/mmol NICE NG133 (2019) 1.4.7 and its definition of pre-eclampsia count as
# significant proteinuria - not the proteinuria of pre-eclampsia, beside a same-day assessment for it
# from 140/90 mmHg too (``pregnancy_hypertension`` names the ACR as measured, not as proteinuria), so
# this rule's finding is not that rule's supporting evidence (``triage.rule_precedence``): said so, the
# level and KDIGO's repeat and non-emergency referral are kept
_PREGNANCY_A2 = (
    "moderately increased albuminuria {where}, below the 8 mg/mmol (70.7 mg/g) NICE NG133 counts as"
    " significant proteinuria in pregnancy: not the proteinuria of pre-eclampsia; confirm on a repeat"
    " sample; refer (non-emergency)"
)


# ... and an ACR of 8 mg/mmol or more measured before 20 weeks (``acr_surely_before_20_weeks``): not the new
# proteinuria from 20 weeks NG133 reads for pre-eclampsia - it may be pre-existing kidney disease (a
# high risk factor for pre-eclampsia, NG133 1.1.2): said by this rule, not deferred
# (``triage.rule_precedence``), its repeat asked as soon as ``pregnancy_proteinuria_acr``'s 48 hours
_PRE_EXISTING = "it may be pre-existing kidney disease, a high risk factor for pre-eclampsia"
_BEFORE_20_WEEKS = (
    "moderately or severely increased albuminuria {where}, measured before 20 weeks: not the new"
    f" proteinuria from 20 weeks NICE NG133 reads for pre-eclampsia - {_PRE_EXISTING}; check the"
    " creatinine and tell her obstetric team; confirm on a repeat sample; refer (non-emergency)"
)
_BEFORE_20_WEEKS_RECHECK = 2880


def _albuminuria(ev: Evidence) -> Finding | None:
    """KDIGO's albuminuria, unless the readings are those ``pregnancy_proteinuria_acr`` reads as
    significant proteinuria in pregnancy (its own condition, ``_pregnancy_acr_read``, whichever rule
    is checked first): the obstetric assessment within 48 hours then applies. Below 8 mg/mmol, and
    with that rule switched off by a clinic or set below this rule's level (``leaves_to``: a clinic
    may make it local care, not a red flag), KDIGO's referral stays - below 8 mg/mmol from 20 weeks
    saying that it is not pre-eclampsia's significant proteinuria (``values.pregnant``)."""
    found = _KDIGO_ALBUMINURIA(ev)
    if found is None or not ev.patient.pre_eclampsia_possible:
        return found
    patient = ev.patient
    pregnant: Values = {**found.values, "pregnant": True, "gestation_weeks": patient.gestation_weeks}
    detail, where = ev.scores["kidney"].detail, pregnancy_where(patient)
    if not pregnancy_significant_acr(ev):
        return Finding(pregnant, f"{detail}: {_PREGNANCY_A2.format(where=where)}")
    if acr_surely_before_20_weeks(ev):
        return Finding(
            pregnant | {"acr_before_20_weeks": True},
            f"{detail}: {_BEFORE_20_WEEKS.format(where=where)}",
            _BEFORE_20_WEEKS_RECHECK,
        )
    if _below_140_90(ev) and leaves_to(ev, "albuminuria", PREGNANCY_ACR_RULE):
        return None
    return found


# the symptoms PRECOG names beside new proteinuria: headache, visual disturbance, epigastric pain
_PROTEINURIA_SIGNS = {
    "headache": "headache",
    "visual_loss": "visual disturbance",
    "epigastric_pain": "right upper quadrant or epigastric pain",
}


def _proteinuria_with_symptoms(ev: Evidence) -> Finding | None:
    """New proteinuria - dipstick 1+ or more, or an ACR of 8 mg/mmol or more - with a headache, visual
    disturbance or epigastric pain recorded, in pregnancy from 20 weeks (or the weeks not recorded) or
    in the 6 weeks after birth, and below 140/90 mmHg or with no pressure measured: a same-day hospital
    assessment (PRECOG: new proteinuria of 1+ or more with symptoms). Pre-eclampsia can present first
    after birth (up to 6 weeks; Hauspurg and Jeyabalan 2022), so after birth it is read as in pregnancy,
    at the same level (``values.postpartum``). From 140/90 ``pre_eclampsia_severe_features`` reads it
    (an emergency transfer)."""
    patient = ev.patient
    recorded = patient.acute_symptoms
    if not recorded or not (patient.pre_eclampsia_possible or patient.postpartum):
        return None
    found = [s for s in recorded if s in _PROTEINURIA_SIGNS]
    if not found or not _below_140_90(ev):
        return None
    protein = ev.values.get("urine_protein")
    dipstick = protein in PROTEINURIA_DIPSTICK
    acr = pregnancy_significant_acr(ev)
    if not (dipstick or acr):
        return None
    # each reading measured surely before 20 weeks (the dipstick as the ACR): not new (it may be
    # pre-existing kidney disease); the symptom's same day stays (never lowered)
    dipstick_before = dipstick and measured_before_20_weeks(ev, "urine_protein", surely=True)
    acr_before = acr and acr_surely_before_20_weeks(ev)
    before = not patient.postpartum and dipstick == dipstick_before and acr == acr_before
    said = " (measured before 20 weeks)" if before else ""
    urine = [f"urine protein {protein} (dipstick){said}"] if dipstick else []
    if acr:
        urine.append(f"ACR {ev.shown('albumin_creatinine_ratio')}{said}")
    values: Values = {
        "acute_symptoms": ", ".join(found),
        "urine_protein": protein if dipstick else None,
        "acr": ev.num("albumin_creatinine_ratio") if acr else None,
    }
    if patient.postpartum:
        values["postpartum"] = True
        kind = "proteinuria with a symptom of pre-eclampsia, which can present first after birth"
    else:
        values.update(pregnant=True, gestation_weeks=patient.gestation_weeks)
        kind = "new proteinuria with a symptom of pre-eclampsia"
        if before:
            if dipstick_before:
                values["urine_protein_before_20_weeks"] = True
            if acr_before:
                values["acr_before_20_weeks"] = True
            kind = f"proteinuria from before 20 weeks - {_PRE_EXISTING} - with a symptom of pre-eclampsia"
    unmeasured = pressures(ev) == "?/?"
    bp = "no blood pressure measured" if unmeasured else f"blood pressure {pressures(ev)} mmHg"
    return Finding(
        values,
        f"{', '.join(_PROTEINURIA_SIGNS[s] for s in found)} {pregnancy_where(patient)} with"
        f" {' and '.join(urine)} ({bp}): {kind} - same-day hospital (obstetric) assessment for pre-eclampsia"
        " (PRECOG: new proteinuria of 1+ or more with headache, visual disturbance or epigastric pain)"
        f"{'; measure the blood pressure now' if unmeasured else ''}",
    )


KIDNEY: tuple[Rule, ...] = (
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
        PREGNANCY_ACR_RULE,
        R,
        "ACR >=8 mg/mmol (70.7 mg/g) in pregnancy from 20 weeks, below 140/90 mmHg: obstetric assessment for"
        " pre-eclampsia within 48 hours",
        PRE_ECLAMPSIA_PROTEINURIA_REF,
        _pregnancy_acr,
        recheck_minutes=2880,
    ),
    Rule(
        "albuminuria",
        R,
        "Urine ACR >=30 mg/g (>=3 mg/mmol)",
        HEARTS_ROUTINE_REF + "; KDIGO 2024",
        _albuminuria,
    ),
    Rule(
        PROTEINURIA_WITH_HYPERTENSION,
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
        _dipstick_repeat(
            "proteinuria_1plus",
            "about 30 mg/dL - confirm with a urine ACR and creatinine within 4 weeks; repeat the dipstick"
            " {repeat}; an ACR >=30 mg/g refers",
            ("1+",),
        ),
        recheck_minutes=40320,
    ),
    Rule(
        "proteinuria_2plus",
        L,
        "Dipstick protein 2+ without hypertension and no ACR: measure the ACR now",
        "KDIGO 2024 (confirm a positive dipstick with a laboratory ACR or PCR); risk.md 2.10",
        _dipstick_repeat(
            "proteinuria_2plus",
            "about 100 mg/dL - measure the ACR and creatinine now; repeat the dipstick within 1 week"
            " {repeat}; an ACR >=30 mg/g refers",
            ("2+",),
        ),
        recheck_minutes=10080,
    ),
    Rule(
        "pregnancy_proteinuria_symptoms",
        U,
        "New proteinuria (dipstick >=1+ or ACR >=8 mg/mmol) with headache, visual disturbance or epigastric"
        " pain in pregnancy from 20 weeks or within 6 weeks after birth, below 140/90 mmHg: same-day obstetric"
        " assessment",
        "PRECOG (Milne F et al. BMJ 2005;330:576): new proteinuria of 1+ or more with symptoms, a same-day"
        " hospital assessment; NICE NG133 (2019) 1.1.1, 1.4.7; after birth: Hauspurg A, Jeyabalan A. Am J"
        " Obstet Gynecol 2022;226:S1211 (postpartum pre-eclampsia, presenting up to 6 weeks after birth)",
        _proteinuria_with_symptoms,
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "pregnancy_proteinuria_1plus",
        L,
        "Dipstick protein 1+ in pregnancy from 20 weeks, below 140/90 mmHg and no ACR: quantify it, repeat"
        " the pre-eclampsia check within 1 week",
        PRE_ECLAMPSIA_PROTEINURIA_REF,
        pregnancy_proteinuria(
            ("1+",),
            f"{_QUANTIFY}; repeat the pre-eclampsia check (blood pressure, urine, symptoms) within 1 week",
        ),
        recheck_minutes=10080,
    ),
    Rule(
        "pregnancy_proteinuria_2plus",
        R,
        "Dipstick protein >=2+ in pregnancy from 20 weeks, below 140/90 mmHg and no ACR: obstetric assessment"
        " for pre-eclampsia within 48 hours",
        PRE_ECLAMPSIA_PROTEINURIA_REF,
        pregnancy_proteinuria(
            ("2+", "3+", "4+"),
            f"refer for a hospital (obstetric day unit) assessment for pre-eclampsia within 48 hours; {_QUANTIFY}",
            "; refer (non-emergency)",
        ),
        recheck_minutes=2880,
    ),
    Rule(
        "proteinuria_3plus",
        R,
        "Dipstick protein >=3+ without hypertension and no ACR: refer (non-emergency)",
        "KDIGO 2024 (refer at ACR >=300 mg/g, PCR >=500 mg/g); risk.md 2.10",
        unquantified_proteinuria(
            "proteinuria_3plus",
            ("3+", "4+"),
            "about 300 mg/dL or more, in the range KDIGO refers (A3) - measure the ACR and creatinine now,"
            " check for oedema (nephrotic syndrome); refer (non-emergency)",
        ),
    ),
)

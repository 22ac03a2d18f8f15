"""Which rule's action applies when two rules fire on one problem with different actions. A
15-year-old at 190/125 fires ``bp_adolescent_severe`` (emergency transfer), ``hypertensive_crisis``
("refer urgently (same day)") and ``bp_adolescent_stage_2`` ("refer ... within 1 week"); a NEWS2 of
3 from one red parameter fires ``news2_red_parameter`` (urgent review, observations hourly) and
``news2_low_elevated`` (the local 4-6-hourly re-assessment); a glucose of 25 mmol/L with ketones
fires ``glucose_critical_high`` and ``ketones_with_hyperglycaemia`` (refer urgently) and
``glucose_diabetes_range`` ("confirm with a repeat test"): actions that disagree confuse staff.
Every rule that fired stays in the Assessment (integrators and audit need each finding), but a
lower rule's finding is then supporting evidence: its detail names the rule whose action applies
instead of its own, and its values carry ``deferred_to`` (that rule's name). Pure: no I/O.

``HIGHER`` lists, for each lower rule, the more urgent rules on the same problem, most urgent
first; each is a red flag (no policy can switch it off), so the rule deferred to is always there.
``tests/triage/test_rule_deference.py`` (blood pressure), ``test_rule_deference_news2_glycaemia.py``
and ``test_rule_deference_kidney.py`` walk the rules over readings and patients and fail on a pair
with different actions that is not listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Protocol, TypeVar

from triage.evidence import Evidence, Finding
from triage.gestation import acr_surely_before_20_weeks
from triage.rule_checks import leaves_to, pregnancy_significant_acr
from triage.scores.news2 import AFTER_BIRTH, RESPONSES

# the emergency transfers a lower pressure rule defers to, the first that fired: pre-eclampsia with
# severe features first - in pregnancy from 20 weeks and after birth, where it fires beside
# hypertensive_emergency on every symptom but chest pain, hers is the obstetric unit's emergency (NICE
# NG133 1.5.2; ACOG PB 222), and a lower rule that named the general one pointed to the wrong action;
# then hypertensive_emergency ("now", before the severe-hypertension rules' "confirm within 15 minutes")
_EMERGENCY = (
    "pre_eclampsia_severe_features",
    "hypertensive_emergency",
    "bp_adolescent_severe",
    "pregnancy_severe_hypertension",
    "postpartum_severe_hypertension",
)
_URGENT = ("hypertensive_crisis", "bp_hearts_urgent", "pregnancy_hypertension", "postpartum_hypertension")
_HYPERGLYCAEMIA = ("glucose_hhs_range", "glucose_critical_high", "ketones_with_hyperglycaemia")
# a same-day or emergency assessment for pre-eclampsia, in pregnancy from 20 weeks or after birth
_PRE_ECLAMPSIA_EMERGENCY = (
    "pregnancy_severe_hypertension",
    "postpartum_severe_hypertension",
    "pre_eclampsia_severe_features",
)
_PRE_ECLAMPSIA_SAME_DAY = (
    "pregnancy_hypertension",
    "postpartum_hypertension",
    "pregnancy_proteinuria_symptoms",
)
HIGHER: dict[str, tuple[str, ...]] = {
    "hypertensive_crisis": _EMERGENCY,
    "bp_hearts_urgent": _EMERGENCY,
    "pregnancy_hypertension": _EMERGENCY,
    "postpartum_hypertension": _EMERGENCY,
    **{lower: _EMERGENCY + _URGENT for lower in ("bp_grade_3", "bp_adolescent_stage_2", "bp_grade_1_2")},
    # a parameter scoring 3 is a red score: hourly urgent review, not the 4-6-hourly local
    # re-assessment of a total of 1-4 (RCP NEWS2 2017, Chart 3); not alert on ACVPU scores 3 and is
    # an emergency transfer itself (beside a total of 5-6 too), a total of 7 or more the emergency
    # response
    "news2_urgent": ("altered_consciousness",),
    "news2_low_elevated": ("altered_consciousness", "news2_red_parameter"),
    "news2_red_parameter": ("news2_emergency", "altered_consciousness"),
    # an urgent hyperglycaemia (critical high, the HHS range, ketones) is referred now, not confirmed
    # with a repeat test or reviewed against a target; a glucose below the critical low is referred,
    # not only treated and re-checked
    "glucose_diabetes_range": _HYPERGLYCAEMIA,
    # ... and so is hyperglycaemia in pregnancy, not only referred to antenatal care (WHO 2013)
    "pregnancy_hyperglycaemia": _HYPERGLYCAEMIA,
    # ... and a pregnant woman's known diabetes above the pregnancy targets, not only her joint diabetes
    # and antenatal clinic within a week (NICE NG3)
    "pregnancy_known_diabetes_above_target": _HYPERGLYCAEMIA,
    "hypoglycaemia_level1": ("glucose_critical_low",),
    # a kidney referral is urgent below an eGFR of 30, not also "refer (non-emergency)" for the
    # albuminuria or proteinuria beside it; proteinuria with hypertension is evidence for the
    # pressure's emergency or urgent referral too
    "albuminuria": (*_PRE_ECLAMPSIA_EMERGENCY, "egfr_below_30", *_PRE_ECLAMPSIA_SAME_DAY),
    "proteinuria_3plus": ("egfr_below_30", "pregnancy_proteinuria_symptoms"),
    # ... and new proteinuria in pregnancy from 20 weeks or after birth (an ACR of 8 mg/mmol or more,
    # a dipstick of 1+ or more) beside a same-day or emergency assessment for pre-eclampsia is its
    # evidence, not a KDIGO repeat or referral of its own (on the terms of ``_ONLY_WHEN``)
    **{lower: ("pregnancy_proteinuria_symptoms",) for lower in ("proteinuria_1plus", "proteinuria_2plus")},
    "proteinuria_with_hypertension": (*_EMERGENCY, "egfr_below_30", *_URGENT),
    # new proteinuria in pregnancy with a symptom of pre-eclampsia is assessed the same day (PRECOG),
    # not re-checked within a week or assessed within 48 hours
    **{
        lower: ("pregnancy_proteinuria_symptoms",)
        for lower in (
            "pregnancy_proteinuria_1plus",
            "pregnancy_proteinuria_2plus",
            "pregnancy_proteinuria_acr",
        )
    },
    # qSOFA >=2 ("refer urgently") and CRB-65 3-4 ("urgent admission if pneumonia") beside an
    # emergency from the same observations (NEWS2 >=7, not alert): the emergency transfer applies
    "qsofa_high": ("news2_emergency", "altered_consciousness"),
    "crb65_high": ("news2_emergency", "altered_consciousness"),
}


def _new_proteinuria_acr(lower: str, higher: str) -> Callable[[Evidence], bool]:
    """An ACR of 8 mg/mmol (70.7 mg/g) or more - significant proteinuria (NICE NG133) - in pregnancy
    from 20 weeks (or the weeks not recorded) or after birth: what a pre-eclampsia assessment names.
    KDIGO's albuminuria below it, before 20 weeks, or measured before 20 weeks (``acr_surely_before_20_weeks``:
    it may be pre-existing kidney disease), is a kidney finding of its own."""

    def when(ev: Evidence) -> bool:
        patient = ev.patient
        return (
            (patient.pre_eclampsia_possible or patient.postpartum is True)
            and pregnancy_significant_acr(ev)
            and not acr_surely_before_20_weeks(ev)
            and leaves_to(ev, lower, higher)
        )

    return when


def _left_to(lower: str, higher: str) -> Callable[[Evidence], bool]:
    return lambda ev: leaves_to(ev, lower, higher)


def _not_raised(lower: str, higher: str) -> Callable[[Evidence], bool]:
    """Every other pair: the lower rule defers unless the clinic's policy raised it above the rule
    deferred to, or re-checks it sooner (``leaves_to``; the rule deferred to is a red flag, always on):
    a rule set to an emergency transfer that said "supporting evidence for <an urgent rule> - its
    action applies, not this rule's" decided the disposition with a reason that disowned it. With no
    policy known (``Evidence.levels`` empty) it defers, as before."""
    return lambda ev: not ev.levels or leaves_to(ev, lower, higher)


# the pairs a lower rule defers on only when the higher rule's finding is its own (the proteinuria
# it names) and the clinic's policy has the higher rule on at the lower rule's level or higher
# (``triage.rule_checks.leaves_to``: a rule set above it keeps its own action)
_ONLY_WHEN: dict[tuple[str, str], Callable[[Evidence], bool]] = {
    **{
        ("albuminuria", higher): _new_proteinuria_acr("albuminuria", higher)
        for higher in (*_PRE_ECLAMPSIA_EMERGENCY, *_PRE_ECLAMPSIA_SAME_DAY)
    },
    **{
        (lower, "pregnancy_proteinuria_symptoms"): _left_to(lower, "pregnancy_proteinuria_symptoms")
        for lower in ("proteinuria_1plus", "proteinuria_2plus", "proteinuria_3plus")
    },
}
DEFERRED = (
    "{finding}; {rule}: supporting evidence for {higher}, which fired on {same} too - its action"
    " applies, not this rule's"
)
# what the lower rule and the rule it defers to both fired on, as DEFERRED names it
_SAME = {
    "news2_urgent": "these observations",
    "news2_low_elevated": "these observations",
    "news2_red_parameter": "these observations",
    "glucose_diabetes_range": "these readings",
    "pregnancy_hyperglycaemia": "these readings",
    "pregnancy_known_diabetes_above_target": "these readings",
    "hypoglycaemia_level1": "these readings",
    "albuminuria": "these readings",
    "proteinuria_1plus": "these readings",
    "proteinuria_2plus": "these readings",
    "proteinuria_3plus": "these readings",
    "proteinuria_with_hypertension": "these readings",
    "pregnancy_proteinuria_1plus": "these readings",
    "pregnancy_proteinuria_2plus": "these readings",
    "pregnancy_proteinuria_acr": "these readings",
    "qsofa_high": "these observations",
    "crb65_high": "these observations",
}
_RED_SCORE_ACTION = ": urgent review by"  # where news2_red_parameter's action starts


class _Rule(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def check(self) -> Callable[[Evidence], Finding | None]: ...


R = TypeVar("R", bound=_Rule)
Check = Callable[[Evidence], Finding | None]


def _finding(ev: Evidence, detail: str) -> str:
    """What a lower blood-pressure, glycaemia or kidney rule found, without its action: the
    blood-pressure or kidney score's detail its detail starts with (grade or stage, a pressure
    missing, the crisis range; eGFR and ACR with their stages), else the reading(s) before the first
    ``: `` outside brackets (``blood pressure >250/? mmHg in pregnancy (>=140 and/or >=90)``,
    ``random glucose 25 mmol/L, urine ketones 2+ (dipstick)``, ``urine protein 3+ (dipstick) and no
    ACR``)."""
    for score in ("blood_pressure", "kidney"):
        s = ev.scores.get(score)
        if s is not None and s.detail and detail.startswith(s.detail):
            return s.detail
    return _before_action(detail)


def _before_action(detail: str) -> str:
    """``detail`` up to its first ``: `` outside brackets: a finding may say something in brackets
    with a colon of its own (``in pregnancy (weeks of pregnancy not recorded: counted as from 20
    weeks, ...) and no ACR``), which is not where its action starts."""
    head = detail.split(": ", 1)[0]
    if head.count("(") == head.count(")"):
        return head
    depth = 0
    for at, ch in enumerate(detail):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and detail.startswith(": ", at):
            return detail[:at]
    return detail


def _news2_finding(ev: Evidence, detail: str) -> str:
    """A NEWS2 rule's finding without the response it asks for: the total, what is missing, the
    parameters that scored (``NEWS2 3 (scale 1); scoring: heart_rate 131 /min``) and, for an
    incomplete score, that the missing observations are measured now; the red score with its
    parameters (``NEWS2 red score (3 points in one parameter: heart_rate 131 /min)``)."""
    s = ev.scores.get("news2")
    if s is not None and s.band in RESPONSES:
        monitoring, response = RESPONSES[str(s.band)]
        detail = detail.replace(f": {response}; monitoring {monitoring}", "", 1)
    found, _, action = detail.partition(_RED_SCORE_ACTION)
    # the red score's action goes, not the limitation after it (NEWS2 after birth is not validated)
    return found + AFTER_BIRTH if AFTER_BIRTH in action else found


def _score_finding(ev: Evidence, detail: str) -> str:
    """A point score's finding without the action in brackets its detail ends with: ``qSOFA 2: high
    risk of poor outcome if infection is suspected; scoring: resp_rate 22 /min, ...``."""
    return detail.rsplit(" (", 1)[0]


_FINDINGS = {"qsofa_high": _score_finding, "crb65_high": _score_finding}


def _deferring(rule: _Rule, higher: list[tuple[str, Callable[[Evidence], bool], Check]]) -> Check:
    own = rule.check
    found_by = _news2_finding if rule.name.startswith("news2_") else _FINDINGS.get(rule.name, _finding)
    same = _SAME.get(rule.name, "this pressure")

    def check(ev: Evidence) -> Finding | None:
        found = own(ev)
        if found is None:
            return None
        fired = ev.fired
        for name, when, fires in higher:
            # a rule above already checked on this evidence (assess() checks them first) is not
            # checked again, and one that did not fire is passed before its condition is asked
            above = fired.get(name)
            if above is False or not when(ev):
                continue
            if above is None:
                above = fires(ev) is not None
            if above:
                finding = found_by(ev, found.detail)
                detail = DEFERRED.format(finding=finding, rule=rule.name, higher=name, same=same)
                return Finding({**found.values, "deferred_to": name}, detail, found.recheck_minutes)
        return found

    return check


def with_deference(rules: Iterable[R]) -> tuple[R, ...]:
    """``rules`` with the checks of the rules in ``HIGHER`` deferring to the more urgent ones."""
    given = tuple(rules)
    checks = {r.name: r.check for r in given}
    return tuple(
        replace(  # type: ignore[type-var]
            r,
            check=_deferring(
                r,
                [
                    (n, _ONLY_WHEN.get((r.name, n)) or _not_raised(r.name, n), checks[n])
                    for n in HIGHER[r.name]
                ],
            ),
        )
        if r.name in HIGHER
        else r
        for r in given
    )

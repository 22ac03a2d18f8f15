"""The vital-sign rules: NEWS2 (its totals, a red parameter, an incomplete score), consciousness
and oxygen saturation."""

from __future__ import annotations

from collections.abc import Callable

from referral.plurals import counted
from triage.evidence import Evidence, Finding, Values
from triage.rules.rule import HTN_EMERGENCY_REF, NEWS2_REF, E, L, Rule, U
from triage.scores.news2 import AFTER_BIRTH
from triage.scores.oximetry import read_as_a_childs


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
    """A parameter scoring 3 (RCP 2017 Chart 3: a red score, urgent review); after birth the reason
    ends, as the score and the other NEWS2 reasons do, saying NEWS2 is not validated there - the
    referral itself stays: a red flag is never lowered."""
    s = ev.scores.get("news2")
    if s is None or "red_score" not in s.flags:
        return None
    params = {k: v for k, v in s.components.items() if v == 3 and k != "spo2_scale"}
    shown = ", ".join(f"{k} {ev.shown(k)}".strip() for k in params)
    # the score's detail is not part of this reason: its limitation after birth is said here
    limit = AFTER_BIRTH if "not_validated_after_birth" in s.flags else ""
    # each of several at 3 is named (the pages' {red_parameters}: detail.red_parameters.one/.several)
    where = "one parameter" if len(params) == 1 else f"each of {counted(len(params), 'parameters')}"
    return Finding(
        {**params, "news2": s.value},
        f"NEWS2 red score (3 points in {where}: {shown}): urgent review by a clinician competent in"
        f" acute illness; observations at least 1-hourly{limit}",
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


# under 16 NEWS2, its SpO2 scales and the BTS adult target range are not used (RCP NEWS2 2017): a
# child's SpO2 is read against NICE NG9 (bronchiolitis, updated 2021): persistently below 92 % on air,
# consider referring to hospital (1.2.2: no longer an emergency criterion on its own since 2021), oxygen
# below 90 % (92 % under 6 weeks or with an underlying condition); the level stays the rule's. The
# score's detail says the child's band ("SpO2 91 % in a child (...): below 92 %"), the action follows.
# 94-95 % under 16 (``spo2_borderline_child``): NEWS2 would score it a point from 16 (a registered
# nurse assesses), and NICE NG143 (fever in under 5s) makes 95 % or less in air an amber sign -
# intermediate risk: a face-to-face assessment and, without a diagnosis, a safety net (information on
# the warning signs, a follow-up at a set time and place) or a paediatric referral; no paediatric
# source here makes it reassuring at 5-15 years, where no score is applied either
_SPO2_CHILD_ACTION = {
    "critical": "refer urgently (same day) for a hospital assessment (NICE NG9 2021: SpO2"
    " persistently below 92 % on air); check the probe is a child's and well placed; give oxygen if it"
    " stays below 90 % (92 % under 6 weeks of age or with an underlying condition)",
    "low": "same-day clinical review; check the probe is a child's and repeat",
    "borderline": "a clinician assesses the child face to face now (NICE NG143: 95 % or less in air is"
    " an amber sign in a child under 5, intermediate risk of serious illness) - breathing, colour,"
    " feeding and fluids, and the other observations on a paediatric early warning score (PEWS); check"
    " the probe is a child's and repeat; without a diagnosis give the parents or carers a safety net"
    " (the warning signs, and when and where to come back) or refer for a paediatric assessment",
}
# ... below 92 % on supplemental oxygen: NG9's 92 % is read on air and its action ("give oxygen if it
# stays below 90 %") is already taken - a child who needs oxygen and is still below 92 % is worse than
# the same reading on air, so the reason says so, keeps the oxygen on for the transfer and checks its
# delivery; the level is the rule's (an urgent referral, never lowered: the red flag's)
_SPO2_CHILD_CRITICAL_ON_OXYGEN = (
    "on supplemental oxygen, not on air (NICE NG9 2021 reads 92 % on air: breathing air it would be"
    " lower; oxygen is already given and has not brought it to 92 %): refer urgently for a hospital"
    " assessment, with the oxygen kept on during the transfer; check the probe is a child's and well"
    " placed, and the oxygen supply, flow and mask or nasal cannula"
)
# ... 92-93 % on supplemental oxygen: read on air (NG9) it would be lower, possibly below 92 % - said
# as on oxygen, the oxygen kept on and its delivery and reason checked; the level and re-check are the
# rule's (a same-day review, never lowered)
_SPO2_CHILD_LOW_ON_OXYGEN = (
    "on supplemental oxygen, not on air (NICE NG9 2021 reads 92 % on air: breathing air it would be"
    " lower, possibly below 92 %): same-day clinical review, with the oxygen kept on; check the probe is"
    " a child's and well placed, the oxygen supply, flow and mask or nasal cannula, and why oxygen is"
    " given; repeat"
)
# ... on supplemental oxygen 94-95 % is not that amber sign, which is read in air: it is the saturation
# the oxygen gives - the child breathing air would be lower - so it is said as it is, and the child is
# assessed now, the oxygen with them (the level and the re-check now unchanged)
_SPO2_CHILD_ON_OXYGEN = (
    "94-95 % on supplemental oxygen, not in air (NICE NG143's amber sign, 95 % or less, is read in air:"
    " breathing air it would be lower): a clinician assesses the child face to face now - breathing,"
    " colour, feeding and fluids, the oxygen's flow and why it is given, and the other observations on a"
    " paediatric early warning score (PEWS); check the probe is a child's and repeat"
)


# the child's bands said otherwise on supplemental oxygen (``values.oxygen``)
_ON_OXYGEN_CHILD = {
    "critical": _SPO2_CHILD_CRITICAL_ON_OXYGEN,
    "low": _SPO2_CHILD_LOW_ON_OXYGEN,
    "borderline": _SPO2_CHILD_ON_OXYGEN,
}


def _on_oxygen(ev: Evidence) -> bool:
    o = ev.latest.get("supplemental_o2")
    return o is not None and o.value == "oxygen"


def _oximetry(bands: tuple[str, ...], *, children_only: bool = False) -> Callable[[Evidence], Finding | None]:
    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get("oximetry")
        if s is None or s.band not in bands:
            return None
        if read_as_a_childs(ev.patient.age, scale2=s.components.get("scale") == 2):
            # no NEWS2 scale under 16 (the score names none)
            child: Values = {"spo2": ev.num("spo2"), "band": s.band, "child": True}
            band = str(s.band)
            if band in _ON_OXYGEN_CHILD and _on_oxygen(ev):
                child["oxygen"] = True
                return Finding(child, f"{s.detail}: {_ON_OXYGEN_CHILD[band]}")
            return Finding(child, f"{s.detail}: {_SPO2_CHILD_ACTION[band]}")
        if children_only:
            return None
        values: Values = {"spo2": ev.num("spo2"), "scale": s.components.get("scale"), "band": s.band}
        return Finding(values, f"{s.detail}: {_SPO2_ACTION[str(s.band)]}")

    return check


VITAL_SIGNS: tuple[Rule, ...] = (
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
        "SpO2 critical (scale 1 <=91 %; a child under 16 (NICE NG9 2021): below 92 %; scale 2"
        " <=83 % or >=97 % on oxygen)",
        "BTS oxygen guideline 2017; RCP NEWS2 2017; NICE NG9 2021 (a child's, under 16: below 92 %)",
        _oximetry(("critical", "critical_high")),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "spo2_low",
        U,
        "SpO2 low (scale 1 92-93 %; a child under 16 (NICE NG9 2021): 92-93 %; scale 2 84-87 %):"
        " same-day review",
        "BTS oxygen guideline 2017; risk.md 2.9; NICE NG9 2021 (a child's, under 16)",
        _oximetry(("low",)),
    ),
    Rule(
        "spo2_borderline_child",
        L,
        "SpO2 94-95 % in a child under 16 (NICE NG143: amber): a clinician assesses the child now;"
        " safety-net or refer",
        "NICE NG143 (fever in under 5s: SpO2 95 % or less in air, amber - a safety net or a"
        " paediatric referral); RCP NEWS2 2017 (not used under 16)",
        _oximetry(("borderline",), children_only=True),
        recheck_minutes=0,
    ),
)

"""What an assessment says about the readings behind it, beside the decision (``triage.assess``).

- ``measured``: when the readings a rule read were taken, the ``; measured <time>`` clause of its
  reason's detail.
- ``vitals_not_scored``: the note for vital signs nothing scored (NEWS2 does not apply to a child
  or in pregnancy; a scale-2 SpO2 without air or oxygen recorded), which keeps a patient from
  ``local_care``.
- ``unasked``: what a rule would need from the clinician that was not recorded (the acute symptoms
  beside a severe pressure), for ``missing_inputs``; ``ascvd_unasked``: established ASCVD, not
  recorded beside a primary-prevention estimate.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from triage.errors import UserInputError
from triage.observation import Observation
from triage.patient import PatientContext
from triage.phrases import OXYGEN_UNKNOWN, VITALS_NOT_SCORED
from triage.riskfeatures import FIRST_EVENT_MODELS
from triage.scores.blood_pressure import ADOLESCENT_AGE, is_emergency_pressure
from triage.scores.result import ScoreResult

# a rule's value that is not a reading's code: the readings behind it (a score's, the ACR's)
_READINGS_OF: dict[str, tuple[str, ...]] = {
    "acr": ("albumin_creatinine_ratio",),
    "qsofa": ("resp_rate", "consciousness", "sbp"),
    "crb65": ("consciousness", "resp_rate", "sbp", "dbp"),
    "china_par": ("sbp", "total_cholesterol", "hdl_cholesterol", "waist"),
    "cdrs": ("sbp", "waist", "bmi", "height", "weight"),
    "findrisc": ("waist", "bmi", "height", "weight"),
}


def measured(
    values: Mapping[str, object], latest: Mapping[str, Observation], stamps: dict[datetime, str]
) -> str:
    """When the readings a rule read were taken, as a clause for its detail: ``; measured
    2026-11-25T09:58+08:00`` (``... to ...`` for several times), in each reading's own offset;
    ``""`` when it read no reading (a risk score from the patient's record). ``stamps``: the times
    already written in this assessment (most rules read readings taken together)."""
    # the earliest and the latest time in one pass; of equal times the first read is kept, as the
    # set of times and its min/max kept it
    first: datetime | None = None
    last: datetime | None = None
    for key in values:
        for code in _READINGS_OF.get(key, (key,)):
            if (o := latest.get(code)) is not None:
                at = o.observed_at
                if first is None or last is None:
                    first = last = at
                elif at < first:
                    first = at
                elif at > last:
                    last = at
    if first is None or last is None:
        return ""
    if (shown := stamps.get(first)) is None:
        shown = stamps[first] = first.isoformat(timespec="minutes")
    # one time read (``first is last``: the usual case, readings taken together) needs no truncation
    if first is last or first.replace(second=0, microsecond=0) == last.replace(second=0, microsecond=0):
        return f"; measured {shown}"  # within the minute shown: not "09:58 to 09:58"
    return f"; measured {shown} to {last.isoformat(timespec='minutes')}"


# the vital signs only NEWS2 reads (SpO2, consciousness and blood pressure have rules of their own);
# supplemental oxygen too, which NEWS2 scores 2 (RCP 2017 Chart 1) and nothing else reads - said only
# on oxygen (on air there is nothing to assess)
_NEWS2_ONLY = ("heart_rate", "resp_rate", "temperature", "supplemental_o2")
_CHILD_BP = ("sbp", "dbp")


def vitals_not_scored(
    scores: Mapping[str, ScoreResult], latest: Mapping[str, Observation], age: float | None
) -> str | None:
    """Why local care cannot be concluded from the vital signs: NEWS2 does not apply (a child,
    pregnancy) to readings nothing else reads - supplemental oxygen among them (on oxygen), and for
    a child under 13 the blood pressure too (not graded: percentile tables; crisis rules still
    fire) -, or a scale-2 SpO2 of 93 % or more without air or oxygen recorded; ``None`` otherwise."""
    news2, oximetry = scores["news2"], scores["oximetry"]
    if not news2.applicable:
        codes = _NEWS2_ONLY + _CHILD_BP if age is not None and age < ADOLESCENT_AGE else _NEWS2_ONLY
        shown = [
            f"{code} {latest[code].display_value()}"
            for code in codes
            if code in latest and (code != "supplemental_o2" or latest[code].value == "oxygen")
        ]
        if shown:
            return VITALS_NOT_SCORED.format(readings=", ".join(shown), reason=news2.detail)
    if oximetry.band is None and oximetry.value is not None:
        return OXYGEN_UNKNOWN.format(spo2=latest["spo2"].display_value())
    return None


def unasked(
    patient: PatientContext, values: Mapping[str, float | str], latest: Mapping[str, Observation]
) -> tuple[str, ...]:
    """What the pressure makes a question that was not answered (:func:`_pregnancy_unasked`: a
    pregnancy or a recent birth, for a woman of reproductive age at 140 and/or 90 mmHg or more);
    and ``"acute_symptoms"`` when the pressure is 180 and/or 110 mmHg or more (13-17: 140 and/or
    90, ``is_emergency_pressure``; in pregnancy from 20 weeks or with the weeks not recorded, and
    in the 6 weeks after birth, 140 and/or 90: :func:`pre_eclampsia_pressure`) and nobody recorded whether there are acute symptoms, or "none"
    (``[]``) was recorded before that pressure was measured (:func:`none_before`) - the answer was
    about the patient then (``hypertensive_emergency`` cannot tell an emergency from an urgency
    without them); else ``()``. A symptom recorded is not asked again: it counts until a clinician
    records ``[]`` (target-organ damage suspected in this visit is not cleared by time)."""
    sbp, dbp = values.get("sbp"), values.get("dbp")
    systolic = sbp if isinstance(sbp, float) else None
    diastolic = dbp if isinstance(dbp, float) else None
    asked = _pregnancy_unasked(patient, systolic, diastolic)
    if patient.acute_symptoms:
        return asked
    severe = is_emergency_pressure(systolic, diastolic, patient.age) or pre_eclampsia_pressure(
        patient, systolic, diastolic
    )
    if severe and (patient.acute_symptoms is None or none_before(patient, latest) is not None):
        return ("acute_symptoms", *asked)
    return asked


def pre_eclampsia_pressure(patient: PatientContext, sbp: float | None, dbp: float | None) -> bool:
    """140 and/or 90 mmHg or more in pregnancy from 20 weeks (or with the weeks not recorded) or in
    the 6 weeks after birth: with a headache, epigastric pain, visual loss, breathlessness, confusion
    or a new neurological deficit it is pre-eclampsia with severe features (``pre_eclampsia_severe_features``,
    an emergency transfer), so the symptoms are asked, not taken as none."""
    if not (patient.pre_eclampsia_possible or patient.postpartum):
        return False
    return (sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90)


# the 10-year equations, made for primary prevention only (as the models of a first event,
# triage.riskfeatures.FIRST_EVENT_MODELS): each assumes no established ASCVD
PRIMARY_PREVENTION_SCORES = ("china_par", "pce")


def ascvd_unasked(
    patient: PatientContext, scores: Mapping[str, ScoreResult], scored_models: Iterable[str]
) -> tuple[str, ...]:
    """``("known_ascvd",)`` where established ASCVD is not recorded (``None``) and a primary-prevention
    estimate was made: China-PAR or the PCE gave a risk, or a model of a first event (``cvd10``,
    ``stroke10``, among ``scored_models``) a probability. Each is for people without ASCVD
    (中国心血管病风险评估和管理指南 2019; Goff 2013, "adults without clinical ASCVD"; the models'
    cohort had no prior CHD or stroke): with it the estimate is withdrawn and the patient is in
    secondary prevention, at very high risk, so the answer changes what the number means - it is
    asked, not taken as no. The estimate is kept (nothing is refused); else ``()``."""
    if patient.known_ascvd is not None:
        return ()
    if any(scores[name].value is not None for name in PRIMARY_PREVENTION_SCORES if name in scores):
        return ("known_ascvd",)
    return ("known_ascvd",) if any(m in FIRST_EVENT_MODELS for m in scored_models) else ()


REPRODUCTIVE_AGES = (15, 49)
"""Women of reproductive age (WHO: 15-49 years), asked about a pregnancy or a recent birth."""


def _pregnancy_unasked(patient: PatientContext, sbp: float | None, dbp: float | None) -> tuple[str, ...]:
    """``pregnant`` and ``postpartum`` where not recorded (``None``), for a woman (or a patient whose
    sex is not recorded) of reproductive age (or age unknown) with a pressure of 140 and/or 90 mmHg
    or more: in pregnancy and the 6 weeks after birth that pressure is a same-day obstetric
    assessment and 160 and/or 110 an emergency transfer, where otherwise it is managed here or an
    urgency - the answer changes the action, so it is asked, not taken as no."""
    if patient.sex == "male" or patient.pregnant or patient.postpartum:
        return ()
    if not ((sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90)):
        return ()
    age = patient.age
    if age is not None and not REPRODUCTIVE_AGES[0] <= age <= REPRODUCTIVE_AGES[1]:
        return ()
    return tuple(field for field in ("pregnant", "postpartum") if getattr(patient, field) is None)


def answered_before(patient: PatientContext, when: datetime, tolerance: timedelta) -> None:
    """Refuse (``UserInputError``) an acute-symptoms answer recorded after the assessment time
    ``when`` (beyond the policy's ``tolerance`` for clocks): a mistyped date would let "none" answer
    for every pressure measured before it."""
    asked = patient.acute_symptoms_at
    if asked is not None and asked > when + tolerance:
        raise UserInputError(
            f"patient.acute_symptoms_at: {asked.isoformat(timespec='minutes')} is after the assessment"
            f" time {when.isoformat(timespec='minutes')}; an answer is recorded when it is given: check"
            " the date"
        )


def none_before(patient: PatientContext, latest: Mapping[str, Observation]) -> datetime | None:
    """When the latest blood pressure was measured, if after "none" (``[]``) was recorded for the
    acute symptoms (``acute_symptoms_at``); ``None`` otherwise - symptoms recorded, not asked, or
    recorded with this assessment (no time)."""
    asked = patient.acute_symptoms_at
    if patient.acute_symptoms != () or asked is None:
        return None
    later = [latest[code].observed_at for code in ("sbp", "dbp") if code in latest]
    later = [when for when in later if when > asked]
    return max(later) if later else None

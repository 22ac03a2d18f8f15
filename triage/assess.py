"""``assess(patient, observations, policy) -> Assessment``: the routing decision.

Pure given loaded models: no I/O, no global state; the clock enters only through ``now``.

1. Observations are sorted into *used* and *ignored* (``triage.selection``): QC-flagged, preliminary and cannot-be-done
   results, readings older than the policy's freshness limit or in the future never feed a
   decision; of the rest, the latest per code is used and older ones are "superseded" (at equal
   times a corrected result wins over a final one). A latest systolic and diastolic of one
   measurement whose diastolic is not below the systolic (``triage.bp_pair``: swapped fields)
   are both ignored ("implausible_pair"), so their scores report them missing.
2. Every score is computed from the used readings and the patient context; each reports what it
   lacked (``missing_inputs`` is the union).
3. Every rule the policy has switched on is evaluated; each that fires gives a reason with its
   level. Risk models (if given) give a level when their probability reaches the threshold
   (policy override, else the card), capped at ``models.max_level``.
4. disposition = max(rule level, model level), so a model can raise but never lower a rule outcome.
   The rules are evaluated with no usable observation too: those that read none (an acute symptom
   staff recorded, ``triage.rules.symptoms``) route the patient as they would with readings, a red
   flag never lowered to "measure again".
   When nothing escalated and no observation at all, or no *decisive* reading (policy
   ``decisive.codes``), was usable, the answer is ``insufficient_data``, never ``local_care``; so
   it is when nothing escalated but a blood-pressure pair was refused (its pressure is unknown),
   and when nothing escalated but a child's (under 16) or a pregnant woman's pulse, respiratory
   rate or temperature was measured: NEWS2 does not apply to them and no other rule reads those.

The patient's age is taken in completed years at ``now`` (``triage.patient.age_in_years``: from the
birth date when given, else the age truncated), for every score and model alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from triage import __version__
from triage.assessment import (
    LEVEL_RANK,
    Assessment,
    Disposition,
    IgnoredObservation,
    ModelResult,
    Reason,
    Tier,
    model_result,
    reason,
)
from triage.errors import ClinicError
from triage.observation import Observation
from triage.patient import PatientContext, age_in_years
from triage.phrases import (
    MODEL_DISABLED,
    MODEL_REASON,
    MODEL_REASON_LOCAL,
    MODEL_REASON_LOCAL_BY_MODEL,
    MODELS_FAILED,
    MODELS_NOT_RUN,
    MODELS_NOT_USED,
    NO_DECISIVE,
    NO_USABLE,
    SYMPTOMS_NONE_BEFORE,
)
from triage.policy import Policy
from triage.readings import answered_before, ascvd_unasked, measured, none_before, unasked, vitals_not_scored
from triage.riskfeatures import bmi_missing_noted, body_mass_index
from triage.rules import evidence
from triage.scores.blood_pressure import blood_pressure
from triage.scores.cdrs import cdrs
from triage.scores.china_par import china_par
from triage.scores.crb65 import crb65
from triage.scores.findrisc import findrisc
from triage.scores.glycaemia import glycaemia
from triage.scores.kidney import kidney
from triage.scores.news2 import news2
from triage.scores.oximetry import oximetry
from triage.scores.pce import pce
from triage.scores.qsofa import qsofa
from triage.scores.result import ScoreResult
from triage.selection import select_observations
from triage.units import cholesterol_mmol_to_mgdl

ENGINE_VERSION = f"clinic-triage-engine {__version__}"
# the last year an assessment can be made in, as a reading's time must be before the year 9999
# (triage.observation): readings up to the policy's future tolerance after ``now`` (at most 1440
# minutes, triage.policy) are still used, and ``now + future_tolerance`` raised OverflowError in the
# last day of 9999
LATEST_YEAR = 9998


class RiskPredictionLike(Protocol):
    """What ``triage.riskmodels.RiskPrediction`` provides (owned by the risk-model area)."""

    @property
    def model(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def probability(self) -> float | None: ...
    @property
    def threshold(self) -> float: ...
    @property
    def band(self) -> str | None: ...
    @property
    def missing(self) -> tuple[str, ...]: ...
    @property
    def imputed(self) -> Mapping[str, float]: ...
    @property
    def explanation(self) -> str: ...


class ModelSetLike(Protocol):
    """What ``triage.riskmodels.ModelSet`` provides."""

    @property
    def versions(self) -> Mapping[str, str]: ...

    def predict(
        self, patient: PatientContext, values: Mapping[str, float | str]
    ) -> Sequence[RiskPredictionLike]: ...


# An enum member read on its class takes CPython 3.11's slow attribute path (the enum metaclass
# defines __getattr__), and so does a classmethod read on a pydantic model class: the ones
# assess() reads on every call, bound once here
_LOCAL_CARE, _INSUFFICIENT_DATA = Disposition.local_care, Disposition.insufficient_data
_ROUTINE_REFERRAL = Disposition.routine_referral
_PRIMARY, _HIGH_TIER = Tier.primary, Tier.high_tier
_STAY_PRIMARY = (_LOCAL_CARE, _INSUFFICIENT_DATA)  # the dispositions kept at the primary tier
_assessment_of = Assessment.of


def _reported(latest: Mapping[str, Observation] | None, code: str, unit: str) -> float | None:
    """The selected reading of ``code`` as reported in ``unit``, when it was (else ``None``)."""
    o = latest.get(code) if latest is not None else None
    return None if o is None else o.reported_numeric(unit)


def compute_scores(
    patient: PatientContext,
    values: Mapping[str, float | str],
    censored: tuple[str, ...],
    policy: Policy,
    latest: Mapping[str, Observation] | None = None,
) -> dict[str, ScoreResult]:
    """Every score from the selected values (canonical units) and the patient context.

    ``latest`` (the selected observations) lets glucose reported in mg/dL be compared with the
    mg/dL member of each published cut-off pair (see ``triage.scores.glycaemia``), and cholesterol
    reported in mg/dL enter China-PAR and the PCE as reported.
    """

    def mgdl(code: str) -> float | None:
        return _reported(latest, code, "mg/dL")

    # numbers and coded answers by code, each looked up once below
    numbers: dict[str, float] = {}
    answers: dict[str, str] = {}
    for code, v in values.items():
        if isinstance(v, float):
            numbers[code] = v
        elif isinstance(v, str):
            answers[code] = v
    number, answer = numbers.get, answers.get

    o2 = answer("supplemental_o2")
    on_oxygen = None if o2 is None else o2 == "oxygen"
    consciousness = answer("consciousness")
    rr, spo2, sbp, dbp = number("resp_rate"), number("spo2"), number("sbp"), number("dbp")
    tc, hdl = number("total_cholesterol"), number("hdl_cholesterol")
    # the equations take mg/dL: a value reported in mg/dL as reported (the round trip through
    # mmol/L put HDL 100 mg/dL at 100.000000004, outside the PCE's 20-100 range)
    tc_mg = None if tc is None else (mgdl("total_cholesterol") or cholesterol_mmol_to_mgdl(tc))
    hdl_mg = None if hdl is None else (mgdl("hdl_cholesterol") or cholesterol_mmol_to_mgdl(hdl))
    # a censored input's comparator, which a score's detail shows with its value (">250/100 mmHg")
    comparators = (
        {c: str(latest[c].comparator) for c in censored if c in latest} if censored and latest else None
    )
    pf = patient.__dict__  # the patient's fields, each read once (see select_observations)
    age, sex, diabetes, treated = pf["age"], pf["sex"], pf["diabetes"], pf["on_antihypertensives"]
    smoker, scale2, family_diabetes = pf["current_smoker"], pf["spo2_scale2"], pf["family_history_diabetes"]
    pregnant = pf["pregnant"]
    waist = number("waist") or pf["waist_cm"]
    bmi, bmi_source = body_mass_index(pf, numbers)  # measured first, as the risk models take it
    scores = {
        "news2": news2(
            resp_rate=rr,
            spo2=spo2,
            on_oxygen=on_oxygen,
            sbp=sbp,
            heart_rate=number("heart_rate"),
            consciousness=consciousness,
            temperature=number("temperature"),
            scale2=scale2,
            censored=censored,
            age=age,
            pregnant=pregnant,
            postpartum=pf["postpartum"],
        ),
        "oximetry": oximetry(
            spo2=spo2,
            on_oxygen=on_oxygen,
            scale2=scale2,
            censored=censored,
            comparators=comparators,
            age=age,
        ),
        "blood_pressure": blood_pressure(
            sbp=sbp, dbp=dbp, censored=censored, age=age, comparators=comparators
        ),
        "glycaemia": glycaemia(
            glucose_fasting=number("glucose_fasting"),
            glucose_random=number("glucose_random"),
            hba1c=number("hba1c"),
            known_diabetes=diabetes,
            urine_ketones=answer("urine_ketones"),
            critical_low=policy.glucose.critical_low_mmol_l,
            critical_high=policy.glucose.critical_high_mmol_l,
            glucose_fasting_mgdl=mgdl("glucose_fasting"),
            glucose_random_mgdl=mgdl("glucose_random"),
            censored=censored,
        ),
        "qsofa": qsofa(resp_rate=rr, consciousness=consciousness, sbp=sbp, censored=censored, age=age),
        "crb65": crb65(
            consciousness=consciousness, resp_rate=rr, sbp=sbp, dbp=dbp, age=age, censored=censored
        ),
        "china_par": china_par(
            sex=sex,
            age=age,
            sbp=sbp,
            on_antihypertensives=treated,
            tc_mgdl=tc_mg,
            hdl_mgdl=hdl_mg,
            waist_cm=waist,
            current_smoker=smoker,
            diabetes=diabetes,
            region_north=pf["region_north"],
            urban=pf["urban"],
            family_history_ascvd=pf["family_history_ascvd"],
            censored=censored,
            known_ascvd=pf["known_ascvd"],
            pregnant=pregnant,
        ),
        "pce": pce(
            sex=sex,
            age=age,
            tc_mgdl=tc_mg,
            hdl_mgdl=hdl_mg,
            sbp=sbp,
            on_antihypertensives=treated,
            current_smoker=smoker,
            diabetes=diabetes,
            censored=censored,
            comparators=comparators,
            known_ascvd=pf["known_ascvd"],
            pregnant=pregnant,
        ),
        "findrisc": findrisc(
            age=age,
            sex=sex,
            bmi=bmi,
            waist_cm=waist,
            physically_active=pf["physically_active"],
            daily_fruit_veg=pf["daily_fruit_veg"],
            on_antihypertensives=treated,
            history_high_glucose=pf["history_high_glucose"],
            family_history_diabetes=family_diabetes,
            censored=censored,
            pregnant=pregnant,
        ),
        "cdrs": cdrs(
            age=age,
            sex=sex,
            bmi=bmi,
            waist_cm=waist,
            sbp=sbp,
            family_history_diabetes=family_diabetes,
            censored=censored,
            pregnant=pregnant,
        ),
        "kidney": kidney(
            creatinine=number("creatinine"),
            egfr_measured=number("egfr"),
            acr=number("albumin_creatinine_ratio"),
            age=age,
            sex=sex,
            censored=censored,
            comparators=comparators,
            acr_mg_mmol=_reported(latest, "albumin_creatinine_ratio", "mg/mmol"),
            pregnant=pregnant,
        ),
    }
    if bmi is None and bmi_source is not None:  # a size pair not used: the scores say why bmi is missing
        bmi_missing_noted(scores, bmi_source)
    return scores


# a model reason's detail as a %-format (see the comment where it is used); at local care, the
# phrase that says the model routes nobody and what decides instead (by model)
_SPECS = {"probability": "%.1f%%", "threshold": "%.1f%%", "explanation": "%s"}
_MODEL_REASON = MODEL_REASON.printf(_SPECS)
_MODEL_REASON_LOCAL = MODEL_REASON_LOCAL.printf(_SPECS)
_MODEL_REASON_LOCAL_BY_MODEL = {name: p.printf(_SPECS) for name, p in MODEL_REASON_LOCAL_BY_MODEL.items()}


def _model_results(
    models: ModelSetLike, patient: PatientContext, values: Mapping[str, float | str], policy: Policy
) -> tuple[list[ModelResult], list[str], list[Reason], list[Disposition]]:
    """Each model's result under the policy, notes, a reason for each model at its threshold, and
    the level each of those reasons asks for (in the same order)."""
    notes: list[str] = []
    try:
        predictions = models.predict(patient, values)
    except ClinicError as exc:
        return [], [MODELS_NOT_USED.format(error=exc)], [], []
    except Exception as exc:  # a model runtime failure must never block the rules' decision
        return (
            [],
            [MODELS_FAILED.format(error=f"{type(exc).__name__}: {exc}")],
            [],
            [],
        )
    results: list[ModelResult] = []
    reasons: list[Reason] = []
    levels: list[Disposition] = []
    runtime = policy.runtime
    for pred in predictions:
        name = pred.model
        setting = runtime.model(name)
        if not setting.enabled:
            notes.append(MODEL_DISABLED.format(model=name))
            continue
        threshold = float(setting.threshold if setting.threshold is not None else pred.threshold)
        probability = pred.probability
        above = probability is not None and probability >= threshold
        explanation = pred.explanation
        results.append(
            model_result(
                name,
                pred.version,
                probability,
                threshold,
                above,
                setting.level if above else None,
                pred.band,
                pred.missing,
                pred.imputed,
                explanation,
                getattr(pred, "out_of_range", ()),
            )
        )
        if above:
            assert probability is not None
            probability = float(probability)
            levels.append(setting.level)
            reasons.append(
                reason(
                    f"model:{name}",
                    setting.level,
                    "model",
                    False,
                    {"probability": round(probability, 4), "threshold": threshold, "version": pred.version},
                    # "%.1f%%" % (x * 100) is f"{x:.1%}" (the same multiplication and digits) without
                    # a __format__ call per number: about a third cheaper
                    (
                        (
                            _MODEL_REASON_LOCAL_BY_MODEL.get(name, _MODEL_REASON_LOCAL)
                            if setting.level is _LOCAL_CARE
                            else _MODEL_REASON
                        )
                        % (probability * 100, threshold * 100, explanation)
                    ).strip(),
                    "",
                )
            )
    return results, notes, reasons, levels


_RANK_OF = LEVEL_RANK.__getitem__


def _pair_refused(ignored: Iterable[IgnoredObservation]) -> bool:
    """Whether a systolic and diastolic of one measurement were both refused (``implausible_pair``)."""
    return any(i.reason == "implausible_pair" for i in ignored)


def _max_level(levels: Iterable[Disposition]) -> Disposition | None:
    """The most urgent level (the first of equals), ``None`` for none."""
    return max(levels, key=_RANK_OF, default=None)


def assess(
    patient: PatientContext,
    observations: Iterable[Observation],
    policy: Policy,
    models: ModelSetLike | None = None,
    now: datetime | None = None,
) -> Assessment:
    """Route one patient. ``models=None`` uses scores and rules only; ``now`` defaults to the clock."""
    when = now if now is not None else datetime.now(UTC)
    if when.tzinfo is None:
        raise ClinicError("assess(): now must be timezone-aware")
    if when.year > LATEST_YEAR:
        raise ClinicError(f"assess(): now {when.isoformat()} is out of range (year {when.year})")
    runtime = policy.runtime
    answered_before(patient, when, runtime.future_tolerance)
    age = age_in_years(patient, when)
    if age != patient.age:  # a birth date or a fractional age: every score and model sees the years
        patient = patient.model_copy(update={"age": age})
    latest, ignored = select_observations(observations, policy, when, runtime)

    values: dict[str, float | str] = {}
    censored: list[str] = []
    for code, o in latest.items():
        fields = o.__dict__
        value = fields["value"]
        if fields["comparator"] is not None:
            censored.append(code)
        elif value.__class__ is float:  # uncensored number: ``numeric`` is the value itself
            values[code] = value
            continue
        n = o.numeric
        values[code] = n if n is not None else str(value)
    scores = compute_scores(patient, values, tuple(censored), policy, latest)

    glucose = policy.glucose
    ev = evidence(
        values,
        latest,
        patient,
        scores,
        glucose.critical_low_mmol_l,
        glucose.critical_high_mmol_l,
        runtime.levels,
        runtime.rechecks,
        when,
    )
    reasons: list[Reason] = []
    # each reason's place in the answer, (urgency, not a red flag, from a model, position in
    # ``reasons``): sorted, the stable order of (-rank, not red_flag, source != "rule"), kept
    # alongside instead of read back from the records
    order: list[tuple[int, bool, bool, int]] = []
    red_names: dict[int, str] = {}
    rule_levels: list[Disposition] = []
    rechecks: list[int] = []
    stamps: dict[datetime, str] = {}
    # every rule, also with no usable reading: what staff recorded (an acute symptom) is read by
    # rules that read no reading, and a red flag is never lowered to "measure again"
    fired = ev.fired  # which rules fired, for the deference of the lower ones checked after them
    for rule, level, recheck in runtime.active_rules:
        finding = rule.check(ev)
        if finding is None:
            fired[rule.name] = False
            continue
        fired[rule.name] = True
        red_flag = rule.red_flag
        if red_flag:
            red_names[len(order)] = rule.name
        order.append((-LEVEL_RANK[level], not red_flag, False, len(order)))
        rule_levels.append(level)
        detail = finding.detail + measured(finding.values, latest, stamps)
        reasons.append(reason(rule.name, level, "rule", red_flag, finding.values, detail, rule.reference))
        if recheck is not None:
            rechecks.append(recheck)
        if finding.recheck_minutes is not None:
            rechecks.append(finding.recheck_minutes)

    notes: list[str] = []
    model_results: list[ModelResult] = []
    model_versions: dict[str, str] = {}
    model_levels: list[Disposition] = []
    if models is not None:
        model_versions = dict(models.versions)
        if latest:
            model_results, model_notes, model_reasons, model_levels = _model_results(
                models, patient, values, policy
            )
            notes.extend(model_notes)
            for level in model_levels:  # one per model reason, in order
                order.append((-LEVEL_RANK[level], True, True, len(order)))
            reasons.extend(model_reasons)
        else:
            notes.append(MODELS_NOT_RUN.template)

    rule_level = _max_level(rule_levels)
    model_level = _max_level(model_levels)  # the levels of the models at their threshold
    combined = _max_level([x for x in (rule_level, model_level) if x is not None])
    decisive = [c for c in policy.decisive.codes if c in latest]
    if not latest:
        # a rule that reads no reading (a recorded acute symptom) still routes; else measure first
        disposition = _INSUFFICIENT_DATA if combined is None or combined is _LOCAL_CARE else combined
        notes.append(NO_USABLE.template)
    elif combined is None or combined is _LOCAL_CARE:
        if not decisive:
            disposition = _INSUFFICIENT_DATA
            notes.append(NO_DECISIVE.format(codes=", ".join(policy.decisive.codes)))
        elif _pair_refused(ignored):
            # the blood pressure now is unknown (its readings say "measure again"): not local care
            # with a re-check in a month, which a lower diastolic would have allowed
            disposition = _INSUFFICIENT_DATA
        elif (unscored := vitals_not_scored(scores, latest, patient.age)) is not None:
            disposition = _INSUFFICIENT_DATA
            notes.append(unscored)
        else:
            disposition = _LOCAL_CARE
    else:
        disposition = combined
        # a non-emergency referral (days away) does not assess a child's or pregnant woman's pulse,
        # breathing or temperature NEWS2 does not score: said, and a clinician assesses them now
        # (a pregnant woman at 33 weeks with a pulse of 118 and 38.4 C was referred for her ACR,
        # re-checked in 7 days, the vital signs named nowhere)
        if combined is _ROUTINE_REFERRAL and (unscored := vitals_not_scored(scores, latest, patient.age)):
            notes.append(unscored)
            rechecks.append(0)

    recheck = min([policy.recheck_minutes[disposition], *rechecks])
    order.sort()
    missing = sorted(
        {m for s in scores.values() for m in s.missing}.union(unasked(patient, values, latest)).union(
            ascvd_unasked(patient, scores, [m.model for m in model_results if m.probability is not None])
        )
    )
    if "acute_symptoms" in missing and (pressure_at := none_before(patient, latest)) is not None:
        asked_at = patient.acute_symptoms_at
        assert asked_at is not None
        shown = asked_at.isoformat(timespec="minutes"), pressure_at.isoformat(timespec="minutes")
        notes.append(SYMPTOMS_NONE_BEFORE.format(asked=shown[0], measured=shown[1]))
    return _assessment_of(
        engine_version=ENGINE_VERSION,
        policy_version=policy.version,
        assessed_at=when,
        patient_id=patient.patient_id,
        disposition=disposition,
        target_tier=_PRIMARY if disposition in _STAY_PRIMARY else _HIGH_TIER,
        recheck_minutes=recheck,
        rule_level=rule_level,
        model_level=model_level,
        red_flags=[red_names[k[3]] for k in order if k[3] in red_names],
        reasons=[reasons[k[3]] for k in order],
        scores=scores,
        models=model_results,
        model_versions=model_versions,
        missing_inputs=missing,
        observations_used=list(latest.values()),
        ignored_observations=ignored,
        notes=notes,
    )

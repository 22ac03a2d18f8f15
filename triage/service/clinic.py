"""Clinical operations shared by the API, the pages and the device pipeline.

Each operation validates input with the triage core (``Observation.create``, ``PatientContext``),
computes with ``assess()``, writes through the referral log's store (one audited transaction per
write) and publishes a ``queue`` event so open staff pages refresh. Nothing is stored when
validation fails: observations are all validated before the first write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from referral import corrections, encounter_context, patients, store
from referral.clinic import SECRET_KEY, get_setting, pseudonym
from referral.clock import Clock
from referral.errors import IdempotencyConflictError
from referral.records import AssessmentIn, EncounterIn, ObservationIn, OverrideIn, PatientIn
from triage.assessment import Assessment, Disposition
from triage.errors import NotFoundError, UserInputError, json_text
from triage.observation import Observation
from triage.patient import PatientContext
from triage.service.events import EventHub
from triage.service.metrics import ServiceMetrics

URGENT = frozenset({"emergency_transfer", "urgent_referral"})
REFERRAL_URGENCY = {
    "emergency_transfer": "emergency",
    "urgent_referral": "urgent",
    "routine_referral": "routine",
}
#: How a referral the pipeline proposes begins its reason, followed by the rules ("; "-separated);
#: the pages name the rules in the user's language (``pages/rendering.referral_reason``).
PROPOSED_BY_TRIAGE = "proposed by triage: "
#: The name a proposal made for a clinician's override gives after it, where a decision of the
#: engine names its rules ("proposed by triage: clinician_override"; the pages say "a clinician's
#: decision", and the analyst reads it as triage's own reason: it names nobody).
CLINICIAN_OVERRIDE = "clinician_override"


def now_utc() -> datetime:
    return datetime.now(UTC)


def observation_row(obs: Observation) -> ObservationIn:
    """The referral log's shape of a validated observation."""
    numeric = obs.value if isinstance(obs.value, float | int) else None
    text = obs.value if isinstance(obs.value, str) else None
    status = "final" if obs.status.value == "cannot_be_done" else obs.status.value
    return ObservationIn(
        code=obs.code,
        value_num=numeric,
        value_text=text if obs.status.value != "cannot_be_done" else "cannot_be_done",
        comparator=obs.comparator,
        unit=obs.unit or None,
        observed_at=obs.observed_at.isoformat(),
        status=status,
        qc="qc" if obs.qc else None,
        device=obs.device,
        device_message_id=obs.source_message_id,
        reported_value=obs.reported_value,
        reported_unit=obs.reported_unit,
    )


def observation_from_row(row: dict[str, Any]) -> Observation:
    """Rebuild a stored observation (already canonical) for a re-assessment, with the value as
    received when it was converted (a row stored before migration 0016 has none)."""
    if row.get("value_text") == "cannot_be_done":
        value: Any = None
        status = "cannot_be_done"
    else:
        value = row["value_num"] if row["value_num"] is not None else row["value_text"]
        status = row["status"]
    observation = Observation.create(
        row["code"],
        value,
        row["unit"],
        observed_at=row["observed_at"],
        status=status,
        device=row["device"],
        qc=bool(row["qc"]),
        comparator=row["comparator"],
        source_message_id=row["device_message_id"],
    )
    reported, reported_unit = row.get("reported_value"), row.get("reported_unit")
    if reported is None or reported_unit is None or observation.value is None:
        return observation
    # the canonical value stays as stored (not re-converted from the reported one)
    return observation.model_copy(update={"reported_value": float(reported), "reported_unit": reported_unit})


def assessment_record(result: Assessment, idempotency_key: str | None = None) -> AssessmentIn:
    news2 = result.scores.get("news2")
    risks = {m.model: m.probability for m in result.models if m.probability is not None}
    # The referral log's tier vocabulary is primary/secondary/tertiary; the engine's "high_tier"
    # means "above primary care", recorded as the first tier above primary.
    tier = "primary" if result.target_tier.value == "primary" else "secondary"
    return AssessmentIn(
        disposition=result.disposition.value,
        target_tier=tier,
        policy_version=result.policy_version,
        engine_version=result.engine_version,
        model_versions=dict(result.model_versions),
        news2=None if news2 is None or news2.value is None else int(news2.value),
        red_flags=list(result.red_flags),
        risks=risks,
        payload_json=result.model_dump_json(),
        idempotency_key=idempotency_key,
    )


def patient_context(
    extra: dict[str, Any] | None, pseudo_id: str | None, age: int | None, sex: str | None
) -> PatientContext:
    """The scores' patient context: the request's extra fields, then what the log knows."""
    fields: dict[str, Any] = dict(extra or {})
    fields.setdefault("patient_id", pseudo_id)
    if age is not None:
        fields.setdefault("age", age)
    if sex in ("female", "male"):
        fields.setdefault("sex", sex)
    try:
        return PatientContext.model_validate(fields)
    except ValueError as exc:
        raise UserInputError(f"patient context: {exc}") from None


def weeks_of_a_recorded_pregnancy(
    sent: dict[str, Any] | None, visit: dict[str, Any], *, walk_in: bool = False
) -> None:
    """Weeks of pregnancy a client sent (``context.gestation_weeks``) where ``visit``, the visit's
    history with this request's over it, records no pregnancy: refused naming the field the client
    sent - the engine's own check names ``patient.gestation_weeks``, which on a walk-in is the body's
    patient object (mrn, name, sex), where no such field is. ``walk_in``: the walk-in opened the
    visit (the patient had none open today), so its own context is all there is."""
    weeks = (sent or {}).get("gestation_weeks")
    if weeks is None or visit.get("pregnant") is True:
        return
    if visit.get("pregnant") is False:
        where = "a visit that records the patient as not pregnant (pregnant false)"
    elif walk_in:
        where = (
            "a walk-in that records no pregnancy (pregnant not sent, and the patient has no visit open today)"
        )
    else:
        where = "a visit that records no pregnancy (pregnant not known or never stated)"
    raise UserInputError(
        f"context.gestation_weeks: {weeks} weeks of pregnancy sent for {where}; send pregnant true"
        " with them, or gestation_weeks null"
    )


def weeks_to_confirm(context: dict[str, Any]) -> dict[str, Any]:
    """A request's context without weeks of pregnancy sent alone (no ``pregnant`` in it): the visit
    they join decides whether they stand (a pregnancy stated earlier in it), checked when the walk-in
    is stored (:func:`weeks_of_a_recorded_pregnancy`); until then the request is read without them."""
    if context.get("gestation_weeks") is None or "pregnant" in context:
        return context
    return {k: v for k, v in context.items() if k != "gestation_weeks"}


def as_kept(context: dict[str, Any] | None) -> dict[str, Any] | None:
    """The request's context as the visit keeps it (merged over what was stated before):
    - with the time its acute-symptoms answer was recorded (now): "none" (``[]``) answers for the
      blood pressures measured up to then only, a severe one measured later is asked about again
      (``triage.readings.unasked``);
    - a pregnancy answered false or not known ends the weeks of pregnancy stated before (they were
      kept, and the merged history then refused every later assessment of the visit)."""
    if not context:
        return context
    kept = dict(context)
    if "acute_symptoms" in kept:
        kept["acute_symptoms_at"] = None if kept["acute_symptoms"] is None else now_utc().isoformat()
    if "pregnant" in kept and kept["pregnant"] is not True:
        kept.setdefault("gestation_weeks", None)
    return kept


@dataclass(frozen=True)
class PreparedAssessment:
    """A walk-in assessed before its rows are written, for the patient the request describes.

    ``assumed`` is (pseudonymous id, age, sex) it was computed for; the writer checks them against
    the rows it stores and recomputes when they differ, so the stored decision always belongs to
    the stored patient and readings.
    """

    record: AssessmentIn
    disposition: str
    assumed: tuple[str | None, int | None, str | None]


@dataclass
class Engine:
    """What ``assess()`` needs besides the inputs: the loaded policy and risk models."""

    policy: Any
    models: Any

    def assess(self, patient: PatientContext, observations: list[Observation]) -> Assessment:
        from triage.assess import assess

        return assess(patient, observations, self.policy, models=self.models, now=now_utc())

    @property
    def future_tolerance(self) -> timedelta:
        """How far ahead of now a reading's time may be and still be used (the policy's
        ``freshness.future_tolerance_minutes``); the API refuses a reading further ahead."""
        tolerance: timedelta = self.policy.runtime.future_tolerance
        return tolerance


class Clinic:
    """The operations; one instance per service, shared across threads (state lives in SQLite)."""

    def __init__(
        self,
        engine: Engine,
        hub: EventHub,
        metrics: ServiceMetrics,
        facility_id: str | None,
        clock: Clock,
    ) -> None:
        self.engine = engine
        self.clock = clock  # the clinic's: a visit's day is its start's date in the clinic's zone
        self.hub = hub
        self.metrics = metrics
        self.facility_id = facility_id
        self._secret: bytes | None = None

    # --- patients and encounters ---------------------------------------------------------------

    def register_patient(
        self, db: Database, patient: PatientIn, *, actor: str, field: str = "mrn"
    ) -> dict[str, Any]:
        """The patient with this MRN, created or found; never renamed: an MRN whose stored patient
        differs is refused (:class:`referral.patients.PatientMismatchError` naming ``field``)."""
        return self.find_or_register_patient(db, patient, actor=actor, field=field)[0]

    def find_or_register_patient(
        self, db: Database, patient: PatientIn, *, actor: str, field: str = "mrn"
    ) -> tuple[dict[str, Any], bool]:
        """``(patient, found)``: :meth:`register_patient`, and whether the MRN was already stored."""
        return patients.find_or_register(db, patient, actor=actor, reason="patient registered", field=field)

    def open_encounter(
        self, db: Database, mrn: str, *, actor: str, age_years: int | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """A new encounter, or the patient's visit already open today (:meth:`open_visit`)."""
        return self.open_visit(db, mrn, actor=actor, age_years=age_years, key=key)[0]

    def open_visit(
        self,
        db: Database,
        mrn: str,
        *,
        actor: str,
        age_years: int | None = None,
        key: str | None = None,
        age_field: str = "age_years",
        birth_date: date | None = None,
        body_sha256: str | None = None,
        patient: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """``(encounter, already_open)``: the patient's visit already open today, or a new one
        (:func:`referral.store.open_visit`: one transaction, never two open visits a day); an age
        - ``age_years``, else the one a ``birth_date`` given with the request makes - that differs
        from that visit's, or from the stored birth date's, is refused naming ``age_field``.
        ``patient``: the patient's row, found or registered in the same write transaction (not read
        again). A new visit is recorded at the clinic's facility when the directory lists it, else
        with none: the store reads that row once, in its transaction (it was read here as well)."""
        encounter = EncounterIn(
            patient_mrn=mrn,
            facility_id=self.facility_id,
            started_at=self.clock.now().isoformat(),  # the clinic's zone: its date is the visit's day
            age_years=age_years,
            idempotency_key=key,
        )
        return store.open_visit(
            db,
            encounter,
            actor=actor,
            reason="encounter opened",
            age_field=age_field,
            birth_date=birth_date,
            body_sha256=body_sha256,
            patient=patient,
            facility_if_listed=True,
        )

    def add_observations(
        self,
        db: Database,
        encounter_id: int,
        observations: list[Observation],
        *,
        actor: str,
        reason: str,
        keyed: tuple[str, str] | None = None,
    ) -> list[int]:
        """``keyed``: the request's idempotency key and body fingerprint (``store.add_observations``)."""
        rows = [observation_row(o) for o in observations]
        return self.add_observation_rows(db, encounter_id, rows, actor=actor, reason=reason, keyed=keyed)

    def add_observation_rows(
        self,
        db: Database,
        encounter_id: int,
        rows: list[ObservationIn],
        *,
        actor: str,
        reason: str,
        keyed: tuple[str, str] | None = None,
        encounter: dict[str, Any] | None = None,
    ) -> list[int]:
        """Store validated observations already in the referral log's shape (``encounter``: its row,
        read or written in the same write transaction, not read again)."""
        if not rows:
            raise UserInputError("observations: send at least one observation")
        ids = store.add_observations(
            db, encounter_id, rows, actor=actor, reason=reason, keyed=keyed, encounter=encounter
        )
        self.hub.publish("queue", encounter_id=encounter_id)
        return ids

    # --- assessment ------------------------------------------------------------------------------

    def context_for(
        self, db: Database, encounter: dict[str, Any], extra: dict[str, Any] | None
    ) -> PatientContext:
        patient = store.get_patient(db, int(encounter["patient_id"]))
        return patient_context(extra, patient["pseudo_id"], encounter.get("age_years"), patient["sex"])

    def pseudonym_for(self, db: Database, mrn: str) -> str | None:
        """The pseudonymous id the log gives (or gave) this MRN; ``None`` before the clinic's
        secret exists (the first patient ever creates it)."""
        if self._secret is None:
            value = get_setting(db, SECRET_KEY)
            if value is None:
                return None
            self._secret = bytes.fromhex(value)
        return pseudonym(self._secret, "patient", mrn)

    def prepare_walk_in(
        self,
        pseudo_id: str | None,
        age: int | None,
        sex: str | None,
        observations: list[Observation],
        extra: dict[str, Any] | None,
        key: str | None,
    ) -> PreparedAssessment:
        """Assess a walk-in from its request alone (no database work): the CPU part of a walk-in,
        done before the request joins the single writer."""
        # weeks sent alone are the joined visit's to confirm: a visit opened here refuses them
        context = patient_context(extra and weeks_to_confirm(extra), pseudo_id, age, sex)
        result = self.engine.assess(context, observations)
        sex_used = sex if sex in ("female", "male") else None
        return PreparedAssessment(
            assessment_record(result, key), result.disposition.value, (pseudo_id, age, sex_used)
        )

    def record_walk_in(
        self,
        db: Database,
        encounter: dict[str, Any],
        patient: dict[str, Any],
        prepared: PreparedAssessment,
        *,
        actor: str,
        context: dict[str, Any] | None,
        body_sha256: str | None = None,
    ) -> dict[str, Any]:
        """Store a prepared walk-in assessment (row as stored, JSON columns as text); when the
        stored patient differs from what it was computed for, assess the stored rows instead."""
        encounter_id = int(encounter["id"])
        context = as_kept(context)
        stated = encounter_context.stated(encounter)  # history stated earlier in this visit
        weeks_of_a_recorded_pregnancy(context, {**stated, **(context or {})}, walk_in=not stated)
        sex = patient["sex"] if patient["sex"] in ("female", "male") else None
        if (patient["pseudo_id"], encounter.get("age_years"), sex) != prepared.assumed or stated:
            return self.assess_encounter(
                db,
                encounter_id,
                actor=actor,
                source="api",
                context=context,
                key=prepared.record.idempotency_key,
                body_sha256=body_sha256,
            )
        if context:
            encounter_context.remember(db, encounter_id, context, actor=actor)
        row = store.insert_assessment(
            db,
            encounter_id,
            prepared.record,
            actor=actor,
            reason="assessment (api)",
            body_sha256=body_sha256,
            encounter=encounter,  # opened by this walk-in, in the same transaction
        )
        self.metrics.assessments.labels(prepared.disposition, "api").inc()
        self.hub.publish("queue", encounter_id=encounter_id, urgent=prepared.disposition in URGENT)
        return row

    def check_context(self, context: dict[str, Any]) -> None:
        """Validate extra patient context before anything is written (weeks of pregnancy sent
        alone: when the walk-in is stored, against the visit they join)."""
        try:
            PatientContext.model_validate(weeks_to_confirm(context))
        except ValueError as exc:
            raise UserInputError(f"context: {exc}") from None

    def assess_encounter(
        self,
        db: Database,
        encounter_id: int,
        *,
        actor: str,
        source: str,
        context: dict[str, Any] | None = None,
        key: str | None = None,
        correcting: bool = False,
        body_sha256: str | None = None,
    ) -> dict[str, Any]:
        """Assess every stored observation of the encounter and store the result.

        A closed encounter is refused before anything is computed (``ConflictError``: open a new
        encounter), except with ``correcting``: the re-assessment after a device corrected a
        reading the encounter holds (``triage/service/corrections.py``). With ``key``, a request
        repeated for the same encounter returns the stored assessment; for another encounter, or
        with a request body whose fingerprint ``body_sha256`` differs from the stored one, it is an
        ``IdempotencyConflictError``.
        """
        if key is not None:
            # A retry returns what the first request stored (a new assessment of the same readings
            # differs at least in its time, so the stored request fingerprint never matches it).
            earlier = store.assessment_by_key(db, key, actor)
            if earlier is not None:
                if int(earlier["encounter_id"]) != encounter_id:
                    raise IdempotencyConflictError(
                        f"idempotency key {json_text(key)} was already used for an assessment of encounter"
                        f" {earlier['encounter_id']} (id {earlier['id']}); use a new key for a new request"
                    )
                store.same_body(earlier, key, body_sha256, "assessment")
                return earlier
        if correcting:
            encounter = store.get_encounter(db, encounter_id)
        else:
            encounter = store.require_open(db, encounter_id, "a new assessment")
        # Not the readings a device correction replaced (they stay stored and shown).
        observations = [observation_from_row(r) for r in corrections.observations_in_force(db, encounter_id)]
        # the history stated earlier in this visit, then this request's (which wins and is kept)
        context = as_kept(context)
        visit = {**encounter_context.stated(encounter), **(context or {})}
        weeks_of_a_recorded_pregnancy(context, visit)
        patient = self.context_for(db, encounter, visit)
        if context:
            encounter_context.remember(db, encounter_id, context, actor=actor)
        result = self.engine.assess(patient, observations)
        stored = store.record_assessment(
            db,
            encounter_id,
            assessment_record(result, key),
            actor=actor,
            reason=f"assessment ({source})",
            after_close=correcting,
            body_sha256=body_sha256,
        )
        self.metrics.assessments.labels(result.disposition.value, source).inc()
        self.hub.publish("queue", encounter_id=encounter_id, urgent=result.disposition.value in URGENT)
        return stored

    def override(
        self,
        db: Database,
        assessment_id: int,
        disposition: Disposition,
        reason: str,
        *,
        actor: str,
        keyed: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """Record a clinician's override; ``keyed`` (the request's idempotency key and body
        fingerprint): its retry returns the stored override (``referral.overrides``)."""
        if not reason.strip():
            raise UserInputError("reason: an override needs a reason")
        row = store.override_assessment(
            db,
            assessment_id,
            OverrideIn(clinician=actor, disposition=disposition.value, reason=reason),
            keyed=keyed,
        )
        encounter_id = store.get_assessment(db, assessment_id)["encounter_id"]
        self.hub.publish("queue", encounter_id=encounter_id)
        return row


def stored_assessment_view(row: dict[str, Any]) -> dict[str, Any]:
    """An assessment row as the API returns it (the full engine output under ``assessment``)."""
    return {
        "id": row["id"],
        "encounter_id": row["encounter_id"],
        "created_at": row["created_at"],
        "created_by": row["created_by"],
        "disposition": row["disposition"],
        "news2": row["news2"],
        "red_flags": row["red_flags"],
        "risks": row["risks"],
        "assessment": row["payload"],
    }


def stored_assessment_json(row: dict[str, Any], extra: dict[str, Any] | None = None) -> bytes:
    """The API's JSON of an assessment row, decoded or as stored (JSON columns as text: the
    payload text is spliced in, not parsed and serialised again), with ``extra`` fields."""
    if not isinstance(row["payload"], str):
        return json.dumps(stored_assessment_view(row) | (extra or {}), ensure_ascii=False).encode("utf-8")
    head = {k: v for k, v in stored_assessment_view(row).items() if k != "assessment"} | (extra or {})
    for name in ("red_flags", "risks"):
        head[name] = json.loads(row[name])
    text = json.dumps(head, ensure_ascii=False)
    # joined as bytes: a payload just stored carries its UTF-8 from SQLite's binding (CPython keeps
    # it with the text), so it is copied, not encoded again as part of one new 10 KB text
    return b"".join((text[:-1].encode(), b', "assessment": ', row["payload"].encode(), b"}"))


def require_found(row: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if row is None:
        raise NotFoundError(f"{what} not found")
    return row


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)

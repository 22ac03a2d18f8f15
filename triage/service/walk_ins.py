"""A walk-in (``POST /api/v1/assessments``) as one piece of work for the referral log's writer.

The request is validated and assessed where it arrived (the CPU part); what is left - register
the patient, open the encounter, store the readings and the assessment, each audited - is a
:class:`WalkIn`. Its :meth:`WalkIn.unit` runs inside the group commit
(:mod:`triage.service.commit`).

With ``triage serve --workers N`` every walk-in is written by the primary process: a worker
sends its :class:`WalkIn` over the writer line (:mod:`triage.service.writer`) instead of taking
the log's write lock itself. Two processes taking turns at the lock made each batch wait for the
other's whole batch and commit, and each process found its page cache emptied by the other's
writes (a p99 of about 70 ms at 300 walk-ins/s); one writer commits for both. So a walk-in
travels as bytes: :meth:`WalkIn.encode` / :meth:`WalkIn.decode`, the engine's JSON of the
assessment carried as it is, never parsed and serialised again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlite_utils import Database

from referral import store
from referral.errors import IdempotencyConflictError
from referral.records import WALK_IN_ENCOUNTER_KEY, AssessmentIn, ObservationIn, PatientIn
from triage.errors import ClinicError, UserInputError, json_text, validation_message
from triage.service.api.errors import said_again
from triage.service.clinic import Clinic, PreparedAssessment


def refuse_visit_key(key: str | None, where: str) -> None:
    """Refuse a client's encounter ``key`` ending in ``:encounter`` (a 422 naming ``where``): such
    keys are the visits walk-ins open (the walk-in's key plus :data:`WALK_IN_ENCOUNTER_KEY`), and a
    client's literal ``K:encounter`` was answered the visit of its walk-in keyed ``K``. The keys a
    log holds stay as written, so its walk-ins replay as before."""
    if key is not None and key.endswith(WALK_IN_ENCOUNTER_KEY):
        raise UserInputError(
            f"{where}: {json_text(key)} ends in {json_text(WALK_IN_ENCOUNTER_KEY)}, which the service"
            " keeps for the visit a walk-in opens (the walk-in's key plus it); send a key that does not"
            " end so"
        )


#: The key of a walk-in's stored row saying whether the patient's visit was already open today
#: (the readings joined it) rather than opened by this walk-in; the API answers it as
#: ``visit_already_open``.
ALREADY_OPEN = "visit_already_open"


@dataclass(frozen=True)
class WalkIn:
    """What a validated, assessed walk-in still has to store."""

    actor: str
    patient: PatientIn
    age_years: int | None
    key: str | None
    observations: list[ObservationIn]
    context: dict[str, Any] | None
    prepared: PreparedAssessment
    #: the request body's fingerprint (``referral.store.request_digest``): a key reused with another is refused
    body_sha256: str | None = None

    def unit(self, clinic: Clinic) -> Callable[[Database], dict[str, Any]]:
        """The writes, for the group committer: returns the assessment row as stored."""

        def unit(db: Database) -> dict[str, Any]:
            key = self.key
            own_key = f"{key}{WALK_IN_ENCOUNTER_KEY}" if key else None
            if key is not None:
                existing = store.assessment_by_key(db, key, self.actor)
                if existing is not None:
                    encounter = _same_patient(db, existing, self.patient.mrn, key)
                    store.same_body(existing, key, self.body_sha256, "assessment")
                    # the walk-in opened the visit when it holds this account's key (keys are per account)
                    opened = (encounter["idempotency_key"], encounter["created_by"]) == (own_key, self.actor)
                    return {**existing, ALREADY_OPEN: not opened}
            patient = clinic.register_patient(db, self.patient, actor=self.actor, field="patient.mrn")
            # the age given, else the one the birth date given makes: checked against the visit open today
            by_date = self.age_years is None and self.patient.birth_date is not None
            encounter, already_open = clinic.open_visit(
                db,
                self.patient.mrn,
                actor=self.actor,
                age_years=self.age_years,
                key=own_key,
                age_field="patient.birth_date" if by_date else "age_years",
                birth_date=self.patient.birth_date,
                patient=patient,  # found or registered just now, in this unit's transaction
            )
            encounter_id = int(encounter["id"])
            if already_open:  # the patient's visit open today takes the readings and is assessed again
                clinic.add_observation_rows(
                    db,
                    encounter_id,
                    self.observations,
                    actor=self.actor,
                    reason="walk-in (visit already open)",
                    encounter=encounter,
                )
                return {**self._assess(clinic, db, encounter_id), ALREADY_OPEN: True}
            if key is not None and store.list_observations(db, encounter_id):
                return {**self._assess(clinic, db, encounter_id), ALREADY_OPEN: False}
            clinic.add_observation_rows(
                db, encounter_id, self.observations, actor=self.actor, reason="walk-in", encounter=encounter
            )
            row = clinic.record_walk_in(
                db,
                encounter,
                patient,
                self.prepared,
                actor=self.actor,
                context=self.context,
                body_sha256=self.body_sha256,
            )
            return {**row, ALREADY_OPEN: False}

        return unit

    def _assess(self, clinic: Clinic, db: Database, encounter_id: int) -> dict[str, Any]:
        """Assess the visit over all its readings, stored under this walk-in's key and fingerprint."""
        return clinic.assess_encounter(
            db,
            encounter_id,
            actor=self.actor,
            source="api",
            context=self.context,
            key=self.key,
            body_sha256=self.body_sha256,
        )

    def encode(self) -> tuple[dict[str, Any], bytes]:
        """A JSON-able header and the assessment's own JSON text, for the writer line."""
        record = self.prepared.record
        header = {
            "actor": self.actor,
            "patient": self.patient.model_dump(mode="json"),
            "age_years": self.age_years,
            "key": self.key,
            "observations": [o.model_dump(mode="json") for o in self.observations],
            "context": self.context,
            "record": record.model_dump(mode="json", exclude={"payload_json"}),
            "disposition": self.prepared.disposition,
            "assumed": list(self.prepared.assumed),
            "body_sha256": self.body_sha256,
        }
        payload = record.payload_json
        return header, (b"" if payload is None else payload.encode())

    @classmethod
    def decode(cls, header: dict[str, Any], payload: bytes) -> WalkIn:
        """Rebuild a walk-in sent by another process of the service (validated again: the
        records are the referral log's own input types).

        The worker validated the request already, so a patient or reading this process refuses
        took a value the worker's code accepts and this one does not - a worker restarted after
        the package was upgraded under a running service: a 422 naming the request's field as the
        API does (``observations[1].status``, ``patient.sex``), what is wrong and never the value
        (patient data). Anything else malformed is no fault of the request: a 500."""
        try:
            record = dict(header["record"])
            if payload:
                record["payload_json"] = payload.decode()
            pseudo, age, sex = header["assumed"]
            patient = _request_part(PatientIn, header["patient"], "patient")
            observations = [
                _request_part(ObservationIn, o, f"observations[{i}]")
                for i, o in enumerate(header["observations"])
            ]
            return cls(
                actor=str(header["actor"]),
                patient=patient,
                age_years=header["age_years"],
                key=header["key"],
                observations=observations,
                context=header["context"],
                prepared=PreparedAssessment(
                    AssessmentIn.model_validate(record), str(header["disposition"]), (pseudo, age, sex)
                ),
                body_sha256=header.get("body_sha256"),
            )
        except ValidationError as exc:  # the engine's record: where and what, never the values
            raise ClinicError(f"{_FROM_WORKER}: malformed assessment ({_said(exc, 'assessment')})") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ClinicError(f"{_FROM_WORKER}: malformed ({type(exc).__name__} {exc})") from None


_FROM_WORKER = "walk-in from another service process"
_Part = TypeVar("_Part", PatientIn, ObservationIn)


def _said(exc: ValidationError, where: str) -> str:
    """pydantic's errors, each at its path as the API writes one (``observations[1].unit``), and
    what is wrong - never the value (``include_input=False``: patient data would reach the log)."""
    parts = []
    for error in exc.errors(include_input=False):
        path = where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        parts.append(f"{path}: {validation_message(error)}")
    return "; ".join(parts)


def _request_part(model: type[_Part], data: object, where: str) -> _Part:
    """``data`` as ``model``, the request's part at ``where``; what it refuses is a 422 naming the
    request's field (:meth:`WalkIn.decode`)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UserInputError(
            f"{_said(exc, where)}; refused by the service process that writes the referral log"
            " though the process that took the request accepted it - if the service was upgraded"
            " while it ran, restart it"
        ) from None
    except UserInputError as exc:  # a field's own check (a control character in patient.name)
        raise said_again(exc, f"{where}.{exc}") from None


def encode_row(row: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """A stored assessment row for the writer line (the payload text travels as it is)."""
    payload = row.get("payload")
    if isinstance(payload, str):
        return {"row": {k: v for k, v in row.items() if k != "payload"}}, payload.encode()
    return {"row": row}, b""  # JSON columns already decoded: they travel in the header


def decode_row(header: dict[str, Any], payload: bytes) -> dict[str, Any]:
    row = dict(header["row"])
    if "payload" not in row:
        row["payload"] = payload.decode()
    return row


def _same_patient(db: Database, assessment: dict[str, Any], mrn: str, key: str) -> dict[str, Any]:
    """The encounter of the walk-in stored under ``key``, when it is this patient's."""
    encounter = store.get_encounter(db, int(assessment["encounter_id"]))
    if store.get_patient(db, int(encounter["patient_id"]))["mrn"] != mrn:
        raise IdempotencyConflictError(
            f"idempotency key {json_text(key)} was already used for another patient's walk-in "
            f"(assessment {assessment['id']}); use a new key for a new request"
        )
    return encounter

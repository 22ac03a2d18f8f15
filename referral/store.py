"""Clinical records: patients, encounters, observations, assessments and clinician overrides (the
last two in ``referral.assessments`` and ``referral.overrides``, exported from here as well).

Every function that writes runs one short :func:`referral.transactions.write` transaction that
also appends the audit entry, and returns only after commit. Requests carrying an idempotency
key are stored once: repeating the same request returns the stored row; reusing a key for a
different request is an :class:`IdempotencyConflictError`.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from referral import audit, facilities, observation_requests

# the assessments and the overrides moved to their own modules; importable from here as before
from referral.assessments import assessment_by_key as assessment_by_key
from referral.assessments import assessment_digest as assessment_digest
from referral.assessments import get_assessment as get_assessment
from referral.assessments import insert_assessment as insert_assessment
from referral.assessments import latest_assessment as latest_assessment
from referral.assessments import record_assessment as record_assessment
from referral.clinic import pseudonym, pseudonym_secret
from referral.errors import (
    ConflictError,
    IdempotencyConflictError,
    NotFoundError,
    UserInputError,
    json_text,
)
from referral.overrides import earlier_override as earlier_override
from referral.overrides import final_disposition as final_disposition
from referral.overrides import override_assessment as override_assessment
from referral.overrides import overrides_for as overrides_for
from referral.records import EncounterIn, ObservationIn, PatientIn
from referral.transactions import insert_returning, insert_row, one_row, utc_now, when, write


def request_digest(model: Any) -> str:
    return digest(model.model_dump(mode="json", exclude={"idempotency_key"}))


def digest(value: Any) -> str:
    """The SHA-256 of a JSON-able request body's canonical JSON: its fingerprint."""
    return hashlib.sha256(audit.canonical_json(value).encode("utf-8")).hexdigest()


_one = one_row
#: A keyed record of the account that sent the request: keys are unique per account (migration 0027).
OWN_KEY = "idempotency_key = ? AND created_by = ?"


def _existing_by_key(
    db: Database, table: str, key: str | None, digest: str | None, *, actor: str
) -> dict[str, Any] | None:
    """The row ``table`` stored under ``key`` for this ``actor``'s request: a key is the account's
    that sent it (migration 0027), so another account's record under the same key is neither
    replayed, named nor refused - it is another request."""
    if key is None:
        return None
    row = _one(db, f"SELECT * FROM {table} WHERE {OWN_KEY}", [key, actor])
    if row is not None and digest is not None and row.get("request_sha256") != digest:
        raise IdempotencyConflictError(
            f"idempotency key {json_text(key)} was already used for a different {table[:-1]} "
            f"(id {row['id']}); use a new key for a new request"
        )
    return row


def same_body(row: dict[str, Any], key: str, body_sha256: str | None, what: str) -> None:
    """Refuse a request that reuses the idempotency ``key`` of ``row`` with a different body
    (:class:`IdempotencyConflictError`); a retry, or a row stored without a body fingerprint
    (NULL ``body_sha256``: before migration 0021, or not written for an API request), passes -
    such a row cannot be compared, and its key still returns it as before."""
    stored = row.get("body_sha256")  # .get: a log saved before migration 0021 has no column
    if body_sha256 is not None and stored is not None and stored != body_sha256:
        raise IdempotencyConflictError(
            f"idempotency key {json_text(key)} was already used for a different {what} (id {row['id']});"
            " use a new key for a new request"
        )


def _key_of(keyed: tuple[str, str] | None) -> dict[str, str]:
    """The audit entry's record of a keyed request (its key and body fingerprint)."""
    return {} if keyed is None else {"idempotency_key": keyed[0], "body_sha256": keyed[1]}


def _with_body(body_sha256: str | None) -> dict[str, str]:
    """The ``body_sha256`` column of a new row, when the request has a fingerprint."""
    return {} if body_sha256 is None else {"body_sha256": body_sha256}


# --- patients ---------------------------------------------------------------------------------


def upsert_patient(db: Database, patient: PatientIn, *, actor: str, reason: str) -> dict[str, Any]:
    """Create the patient with this MRN, or update its name/sex/birth date; return the row.

    For a new MRN (a device's first result): a person registering a patient goes through
    :func:`referral.patients.register`, which never renames the patient an MRN belongs to."""

    def work(db: Database) -> dict[str, Any]:
        return _upsert_patient(db, patient, actor=actor, reason=reason)

    return write(db, work)


def _upsert_patient(db: Database, patient: PatientIn, *, actor: str, reason: str) -> dict[str, Any]:
    existing = _one(db, "SELECT * FROM patients WHERE mrn = ?", [patient.mrn])
    fields = _patient_fields(patient)
    if existing is not None:
        if all(existing[k] == v for k, v in fields.items()):
            return existing
        db.conn.execute(
            "UPDATE patients SET name = :name, sex = :sex, birth_date = :birth_date WHERE id = :id",
            {**fields, "id": existing["id"]},
        )
        audit.append(
            db,
            actor=actor,
            action="patient.update",
            entity="patient",
            entity_id=existing["id"],
            reason=reason,
            data={"before": {k: existing[k] for k in fields}, "after": fields},
        )
        return {**existing, **fields}
    return insert_patient(db, patient, actor=actor, reason=reason)


def _patient_fields(patient: PatientIn) -> dict[str, str | None]:
    """The patients columns a registration writes (its name, sex and birth date)."""
    return {
        "name": patient.name,
        "sex": patient.sex,
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else None,
    }


def insert_patient(db: Database, patient: PatientIn, *, actor: str, reason: str) -> dict[str, Any]:
    """Create the patient with ``patient.mrn``, audited ``patient.create``, inside the caller's
    write transaction, which looked for the MRN and did not find it; returns the row as stored,
    given back by its own INSERT (not read again: a walk-in read the patient four times)."""
    fields = _patient_fields(patient)
    pseudo = pseudonym(pseudonym_secret(db), "patient", patient.mrn)
    cursor = db.conn.execute(
        "INSERT INTO patients (mrn, name, sex, birth_date, pseudo_id, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        " RETURNING *",
        [patient.mrn, fields["name"], fields["sex"], fields["birth_date"], pseudo, utc_now()],
    )
    names = [column[0] for column in cursor.description]
    (stored,) = cursor.fetchall()
    row = dict(zip(names, stored, strict=True))
    audit.append(
        db,
        actor=actor,
        action="patient.create",
        entity="patient",
        entity_id=row["id"],
        reason=reason,
        data={"mrn": patient.mrn, **fields, "pseudo_id": pseudo},
    )
    return row


def get_patient(db: Database, patient_id: int) -> dict[str, Any]:
    row = _one(db, "SELECT * FROM patients WHERE id = ?", [patient_id])
    if row is None:
        raise NotFoundError(f"patient {patient_id} not found")
    return row


def find_patient(db: Database, mrn: str) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM patients WHERE mrn = ?", [mrn])


# --- encounters -------------------------------------------------------------------------------


def age_at(birth_date: str | None, started: datetime) -> int | None:
    """Age in whole years on the (local) day of ``started``; ``None`` without a birth date."""
    if birth_date is None:
        return None
    born = date.fromisoformat(birth_date)
    day = started.date()
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def open_encounter(db: Database, encounter: EncounterIn, *, actor: str, reason: str) -> dict[str, Any]:
    """Open an encounter for an existing patient (by MRN) at a known facility, or return the
    patient's visit already open that day (:func:`open_visit`)."""
    return open_visit(db, encounter, actor=actor, reason=reason)[0]


class AgeMismatchError(UserInputError):
    """An age given for a visit differs from the age of the patient's visit open today, or from
    the age the stored birth date gives: never dropped in silence, never taken over the date."""

    code = "age_mismatch"


def open_visit(
    db: Database,
    encounter: EncounterIn,
    *,
    actor: str,
    reason: str,
    age_field: str = "age_years",
    birth_date: date | None = None,
    body_sha256: str | None = None,
    patient: dict[str, Any] | None = None,
    facility_if_listed: bool = False,
) -> tuple[dict[str, Any], bool]:
    """The patient's visit on the encounter's day: ``(row, already_open)``.

    A patient has at most one open visit a day (``encounters.day``, the clinic's local date): when
    one is open, it is returned (``already_open`` true) and nothing is written; else a new
    encounter is opened. The check and the insert are one ``BEGIN IMMEDIATE`` transaction, so two
    nurses registering the same patient at the same moment (two requests, two service processes)
    get one visit. A request repeated with its idempotency key returns the encounter it opened
    (``already_open`` false), even if it is closed since.

    An ``encounter.age_years`` given - else the age a ``birth_date`` given with the request makes
    that day - is checked, not dropped: it must be the open visit's age, and for a new visit the
    age the stored birth date gives (when one is stored); else an :class:`AgeMismatchError` naming
    ``age_field``, nothing written. ``body_sha256`` (the API request's fingerprint) is stored with
    a new encounter; the key repeated with another fingerprint is an :class:`IdempotencyConflictError`.

    ``patient``: the patient's row as the caller's write transaction, which this one joins, read
    or wrote it (a walk-in registers the patient, then opens the visit): it is not read again.

    ``encounter.facility_id`` must be in the facility directory (:class:`UnknownFacilityError`
    naming it); with ``facility_if_listed`` (the clinic's own id, which a log without a directory
    lacks) a new visit is recorded at it when the directory lists it, else with no facility - read
    once, in this transaction, and only for a new visit."""
    known = None if patient is None else held_row(db, patient, encounter.patient_mrn, "patient", "mrn")

    def work(db: Database) -> tuple[dict[str, Any], bool]:
        existing = _existing_by_key(db, "encounters", encounter.idempotency_key, None, actor=actor)
        patient = known if known is not None else find_patient(db, encounter.patient_mrn)
        if existing is not None:
            if patient is None or patient["id"] != existing["patient_id"]:
                # Never hand one patient's encounter to a request about another.
                raise IdempotencyConflictError(
                    f"idempotency key {json_text(encounter.idempotency_key)} was already used for another"
                    f" patient's encounter (id {existing['id']}); use a new key for a new request"
                )
            same_body(existing, encounter.idempotency_key or "", body_sha256, "encounter")
            return existing, False
        if patient is None:
            raise NotFoundError(f"encounter: no patient with MRN {json_text(encounter.patient_mrn)}")
        started = datetime.fromisoformat(encounter.started_at)
        # on the connection itself: sqlite_utils' db.query wraps each query in a savepoint of its
        # own, two statements more on every walk-in inside the write that already holds the log
        same_day = db.conn.execute(
            "SELECT * FROM encounters WHERE patient_id = ? AND day = ? ORDER BY id DESC",
            [patient["id"], started.date().isoformat()],
        )
        names = [column[0] for column in same_day.description]
        # .get: a log saved before migration 0014 has no close (every encounter is open)
        still_open = next(
            (
                row
                for row in (dict(zip(names, found, strict=True)) for found in same_day)
                if row.get("closed_at") is None
            ),
            None,
        )
        typed = encounter.age_years
        if typed is None and birth_date is not None:
            typed = age_at(birth_date.isoformat(), started)
        if still_open is not None:
            if typed is not None and typed != still_open["age_years"]:
                shown = still_open["age_years"]
                raise AgeMismatchError(
                    f"{age_field}: age {typed} differs from the age of the visit open today (encounter"
                    f" {still_open['id']}: {'not recorded' if shown is None else f'age {shown}'});"
                    " leave the age blank, or correct the birth date in the patient's details"
                    " (its visits take the age it gives)",
                    says="error.age_visit_unrecorded" if shown is None else "error.age_visit_differs",
                    params={"given": typed, "age": shown, "encounter": still_open["id"]},
                )
            return still_open, True
        facility_id = encounter.facility_id
        if facility_id is not None and facility_if_listed:
            facility_id = facility_id if facilities.get(db, facility_id) is not None else None
        elif facility_id is not None:
            facilities.require(db, facility_id, "encounter facility_id")
        dated = age_at(patient["birth_date"], started)
        if typed is not None and dated is not None and typed != dated:
            raise AgeMismatchError(
                f"{age_field}: age {typed} differs from the age {dated} the stored birth date"
                f" {patient['birth_date']} gives on {started.date()}; leave the age blank, or correct"
                " the birth date in the patient's details",
                says="error.age_birth_date_differs",
                params={"given": typed, "age": dated, "birth_date": patient["birth_date"]},
            )
        age = dated if typed is None else typed
        if age is not None and not 0 <= age <= 130:
            raise UserInputError(
                f"encounter: age {age} from birth date {patient['birth_date']} is outside 0-130"
            )
        row = {
            "patient_id": patient["id"],
            "facility_id": facility_id,
            "started_at": encounter.started_at,
            "day": started.date().isoformat(),
            "age_years": age,
            "idempotency_key": encounter.idempotency_key,
            "created_by": actor,
            **_with_body(body_sha256),
        }
        stored = insert_encounter(db, row)
        audit.append(
            db,
            actor=actor,
            action="encounter.create",
            entity="encounter",
            entity_id=stored["id"],
            reason=reason,
            data=row,
        )
        return stored, False

    return write(db, work)


class VisitAlreadyOpenError(ConflictError):
    """A second open visit of a patient on one day, refused by the log's unique index (``0022``)."""

    code = "visit_already_open"
    key = "error.visit_already_open"  # params: encounter (or None), day


#: What SQLite says when ``encounters_one_open_a_day`` (migration 0022) refuses a row.
_ONE_OPEN_A_DAY = "UNIQUE constraint failed: encounters.patient_id, encounters.day"


def insert_encounter(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    """Insert an encounter row (inside the caller's transaction); the row as stored (given back by
    the INSERT itself, not read again). A second open visit of
    the patient on the row's day - the index ``encounters_one_open_a_day`` refuses it whoever
    writes - is a :class:`VisitAlreadyOpenError` naming the open visit (a 409, not a raw SQLite
    error): :func:`open_visit` looks for that visit first, so only a caller that did not look
    meets it."""
    try:
        return insert_returning(db, "encounters", row)
    except sqlite3.IntegrityError as exc:
        if _ONE_OPEN_A_DAY not in str(exc):
            raise
        found = _one(
            db,
            "SELECT id FROM encounters WHERE patient_id = ? AND day = ? AND closed_at IS NULL"
            " AND duplicate_of IS NULL",
            [row["patient_id"], row["day"]],
        )
        visit = f"encounter {found['id']}" if found else "another encounter"
        raise VisitAlreadyOpenError(
            f"encounter: patient {row['patient_id']} already has a visit open on {row['day']}"
            f" ({visit}); add to that visit, or close it before opening another",
            params={"encounter": found and found["id"], "day": row["day"]},
        ) from None


def get_encounter(db: Database, encounter_id: int) -> dict[str, Any]:
    row = _one(db, "SELECT * FROM encounters WHERE id = ?", [encounter_id])
    if row is None:
        raise NotFoundError(f"encounter {encounter_id} not found")
    return row


def patient_encounters(
    db: Database, patient_id: int, *, limit: int, before_id: int | None = None
) -> list[dict[str, Any]]:
    """The patient's encounters (visits), newest first, at most ``limit``; with ``before_id``
    only those older than it (the API's cursor: encounters opened meanwhile shift no page)."""
    older = "" if before_id is None else " AND id < ?"
    return list(
        db.query(
            f"SELECT * FROM encounters WHERE patient_id = ?{older} ORDER BY id DESC LIMIT ?",
            [patient_id, *([] if before_id is None else [before_id]), limit],
        )
    )


def count_patient_encounters(db: Database, patient_id: int) -> int:
    """How many encounters the patient has, open and closed."""
    return int(
        db.conn.execute("SELECT count(*) FROM encounters WHERE patient_id = ?", [patient_id]).fetchone()[0]
    )


def require_open(
    db: Database, encounter_id: int, doing: str, held: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The encounter, if it is not closed; ``doing`` names the refused work in the error
    (``NotFoundError`` for an unknown encounter, ``ConflictError`` for a closed one). ``held``: the
    encounter's row as the caller's write transaction read or wrote it (a walk-in opened the visit
    a moment before, in the same transaction): checked as it is, not read again."""
    row = held_row(db, held, encounter_id, "encounter") if held is not None else None
    if row is None:
        row = _one(db, "SELECT * FROM encounters WHERE id = ?", [encounter_id])
    if row is None:
        raise NotFoundError(f"{doing}: encounter {encounter_id} not found")
    if row.get("closed_at") is not None:  # .get: a log saved before migration 0014 has no close
        raise ConflictError(
            f"{doing}: encounter {encounter_id} was closed at {when(row['closed_at'])} by"
            f" {row['closed_by']} ({row['close_reason']}); open a new encounter",
            says="error.encounter_closed",
            params={"closed_at": row["closed_at"], "user": row["closed_by"], "reason": row["close_reason"]},
        )
    return row


def held_row(
    db: Database, row: dict[str, Any], expected: object, what: str, key: str = "id"
) -> dict[str, Any]:
    """A row a caller hands down instead of it being read again: only inside a write transaction
    (the one that read or wrote it, which the callee joins), and only the row named (its ``key``
    is ``expected``) - else a :class:`RuntimeError`, a mistake in the code, not in the request."""
    if not db.conn.in_transaction or row[key] != expected:
        raise RuntimeError(
            f"the {what} row given ({key} {row[key]!r}) must be the one named ({expected!r}), read"
            " in the write transaction this one joins"
        )
    return row


def latest_encounter_on(
    db: Database, patient_id: int, day: str, *, open_only: bool = False
) -> dict[str, Any] | None:
    """The patient's latest encounter on ``day`` (the clinic's local date, ``encounters.day``);
    with ``open_only``, the latest one not closed."""
    still_open = " AND closed_at IS NULL" if open_only else ""
    return _one(
        db,
        f"SELECT * FROM encounters WHERE patient_id = ? AND day = ?{still_open} ORDER BY id DESC LIMIT 1",
        [patient_id, day],
    )


# --- observations -----------------------------------------------------------------------------


def add_observations(
    db: Database,
    encounter_id: int,
    observations: list[ObservationIn],
    *,
    actor: str,
    reason: str,
    after_close: bool = False,
    keyed: tuple[str, str] | None = None,
    encounter: dict[str, Any] | None = None,
) -> list[int]:
    """Store observations for an encounter in one transaction; returns their ids. A closed
    encounter takes none (``ConflictError``), except with ``after_close``: only for a device's
    correction of a reading the encounter already holds (``referral/corrections.py``). ``keyed``:
    the request's idempotency key and body fingerprint - the request again returns the ids stored
    the first time and writes nothing (``referral.observation_requests``). ``encounter``: its row
    as the caller's write transaction read or wrote it (:func:`require_open`'s ``held``)."""

    def work(db: Database) -> list[int]:
        if keyed is not None:
            again = observation_requests.stored_ids(db, keyed[0], encounter_id, keyed[1], actor)
            if again is not None:  # the request again: the readings it stored, nothing written
                return again
        if after_close:
            get_encounter(db, encounter_id)
        else:
            require_open(db, encounter_id, "new readings", encounter)
        ids = []
        dumped = [o.model_dump(mode="json") for o in observations]
        for fields in dumped:
            row = {"encounter_id": encounter_id, **fields}
            ids.append(insert_row(db, "observations", row))
        audit.append(
            db,
            actor=actor,
            action="observations.create",
            entity="encounter",
            entity_id=encounter_id,
            reason=reason,
            data={"observation_ids": ids, "observations": dumped, **_key_of(keyed)},
        )
        if keyed is not None:
            observation_requests.remember(db, keyed[0], encounter_id, keyed[1], ids, actor=actor)
        return ids

    return write(db, work)


def list_observations(db: Database, encounter_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM observations WHERE encounter_id = ? ORDER BY id", [encounter_id]))

"""Registering a patient by record number (MRN) without ever renaming another patient.

A record number that exists is the same patient only if what was typed agrees with what is
stored: the name (trimmed, case-insensitive - Latin letters; CJK compares exactly), the sex and the
birth date. Then the stored row is returned unchanged. A detail left blank (no name, sex
``unknown``, no birth date) agrees with anything; a detail stored blank is filled in (audited
``patient.update``). Anything else is a :class:`PatientMismatchError` and nothing is written: an
MRN typed wrong must not rename the patient it belongs to. Correcting a stored name, sex or birth
date is no side effect of registration: it is its own action, :func:`correct`, with a reason and an
audit entry (``patient.correct``, old and new values), whose history :func:`corrections_of` reads
back; a corrected birth date gives the patient's open visits the age it makes (a closed visit keeps
the age it was decided with).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from referral import audit, store
from referral.clock import MACHINE, Clock
from referral.errors import UserInputError, json_text
from referral.records import PatientIn, check_birth_date, name_problem, required_text
from referral.transactions import write


class PatientMismatchError(UserInputError):
    """The record number belongs to a patient whose stored name, sex or birth date differs."""

    code = "patient_mismatch"


def masked(name: str | None) -> str:
    """A stored name as a refusal shows it: its first character and ``*`` (``张*``, ``W*``)."""
    text = (name or "").strip()
    return f"{text[0]}*" if text else "*"


def _same_name(stored: str, typed: str) -> bool:
    return " ".join(stored.split()).casefold() == " ".join(typed.split()).casefold()


def register(
    db: Database, patient: PatientIn, *, actor: str, reason: str, field: str = "mrn"
) -> dict[str, Any]:
    """The patient with ``patient.mrn``: created, or the stored one when the details agree (see
    the module); a :class:`PatientMismatchError` naming ``field`` when they do not."""
    return find_or_register(db, patient, actor=actor, reason=reason, field=field)[0]


def find_or_register(
    db: Database, patient: PatientIn, *, actor: str, reason: str, field: str = "mrn"
) -> tuple[dict[str, Any], bool]:
    """``(patient, found)``: as :func:`register`, and whether the MRN was already stored (the
    stored patient, its blank details filled in) rather than registered now - in the one write
    transaction that looked."""

    def work(db: Database) -> tuple[dict[str, Any], bool]:
        existing = store.find_patient(db, patient.mrn)
        if existing is None:
            return store.insert_patient(db, patient, actor=actor, reason=reason), False  # a new patient
        return _agree(db, existing, patient, actor=actor, reason=reason, field=field), True

    return write(db, work)


def _agree(
    db: Database, existing: dict[str, Any], patient: PatientIn, *, actor: str, reason: str, field: str
) -> dict[str, Any]:
    typed = {
        "name": (patient.name or "").strip() or None,
        "sex": None if patient.sex == "unknown" else patient.sex,
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else None,
    }
    stored = {
        "name": (existing["name"] or "").strip() or None,
        "sex": None if existing["sex"] in (None, "unknown") else existing["sex"],
        "birth_date": existing["birth_date"],
    }
    differ = [
        key
        for key, value in typed.items()
        if value is not None
        and stored[key] is not None
        and not (_same_name(stored[key], value) if key == "name" else stored[key] == value)
    ]
    if differ:
        shown = masked(existing["name"])
        raise PatientMismatchError(
            f"{field}: record number {json_text(patient.mrn)} is already registered to another patient"
            f" ({shown}, sex {existing['sex']}): the {' and '.join(differ)}"
            f" {'differs' if len(differ) == 1 else 'differ'}; check the number"
            " (registering never changes a stored patient's details)",
            says="error.mrn_other_patient",
            params={"mrn": patient.mrn, "stored": shown},
        )
    filled = {key: value for key, value in typed.items() if value is not None and stored[key] is None}
    if not filled:
        return existing
    if "birth_date" in filled:
        where = field.rpartition(".")[0]  # "patient.mrn": the walk-in's patient.birth_date
        _open_visits_agree(db, existing, filled["birth_date"], field=f"{where}.birth_date".lstrip("."))
    # What was typed passed PatientIn; a stored detail is kept as stored, not judged again by
    # today's rules - a name stored before control characters were refused must not stop its
    # blank birth date being filled in (the error would name a field nobody typed).
    kept = {key: existing[key] for key in typed if key not in filled}
    if kept.get("birth_date"):
        kept["birth_date"] = date.fromisoformat(kept["birth_date"])
    completed = PatientIn.model_validate({"mrn": patient.mrn, **filled}).model_copy(update=kept)
    return store.upsert_patient(  # only blank details change: audited patient.update
        db, completed, actor=actor, reason=f"{reason}: details not stored before filled in"
    )


def _open_visits_agree(db: Database, patient: dict[str, Any], birth_date: str, *, field: str) -> None:
    """A birth date filled in at registration must give the patient's open visit the age it has
    (one typed before any date was stored): else a :class:`referral.store.AgeMismatchError` naming
    ``field`` - not filled in with the visit keeping another age, but set where its visits take
    the age it gives (:func:`correct`)."""
    for visit in db.query(
        "SELECT id, started_at, age_years FROM encounters WHERE patient_id = ? AND closed_at IS NULL"
        " AND age_years IS NOT NULL",
        [patient["id"]],
    ):
        dated = store.age_at(birth_date, datetime.fromisoformat(visit["started_at"]))
        if dated != visit["age_years"]:
            raise store.AgeMismatchError(
                f"{field}: birth date {birth_date} gives age {dated}, but the patient's open visit"
                f" (encounter {visit['id']}) has age {visit['age_years']}; set the birth date in the"
                " patient's details on that visit's page (its visits take the age it gives)"
            )


#: The stored details a person may correct (:func:`correct`), and the longest reason.
CORRECTABLE = ("name", "sex", "birth_date")
SEXES = ("female", "male", "unknown")
NAME_LIMIT = 200
REASON_LIMIT = 500


def correct(
    db: Database,
    patient_id: int,
    *,
    name: str | None = None,
    sex: str | None = None,
    birth_date: date | None = None,
    actor: str,
    reason: str,
    clinic: Clock = MACHINE,
) -> dict[str, Any]:
    """Correct a stored name, sex or birth date (a typo at registration); returns the patient row.

    ``None`` leaves a detail as it is; a name is trimmed, an empty one is refused (a name cannot be
    corrected to nothing); a birth date must be plausible (:func:`referral.records.check_birth_date`,
    the check registration makes, on ``clinic``'s day: the service passes the clinic's clock, the
    machine's is for callers without settings) - a birth date stored blank is set this way too. A reason is
    required. One transaction: the row and an audit entry ``patient.correct`` with the old and new
    values, who and why (the append-only trail is the correction's history: :func:`corrections_of`).
    A corrected birth date also corrects the age of each of the patient's open visits (the age it
    gives on the visit's day; audited ``encounter.age_correct``), so the next assessment uses it;
    a closed visit keeps the age it was decided with; a date after one of the patient's visits is
    refused. A correction that changes nothing is refused
    (``UserInputError``): it would be a history entry saying nothing happened."""
    where = f"correcting patient {patient_id}"
    reason = required_text(reason, "reason", where, REASON_LIMIT, empty_hint=" (it is required)")
    actor = required_text(actor, "actor", where, NAME_LIMIT)
    wanted: dict[str, str] = {}
    if name is not None:
        wanted["name"] = required_text(name, "name", where, NAME_LIMIT, empty_hint=" (give the right name)")
    if sex is not None:
        if sex not in SEXES:
            raise UserInputError(f'{where}: "sex" {json_text(sex)} is not one of ' + ", ".join(SEXES))
        wanted["sex"] = sex
    if birth_date is not None:
        try:
            wanted["birth_date"] = check_birth_date(birth_date, clinic.today()).isoformat()
        except ValueError as exc:
            raise UserInputError(f'{where}: "birth_date": {exc}') from None
    if not wanted:
        raise UserInputError(
            f'{where}: give the "name", the "sex" or the "birth_date" to correct (none was given)'
        )

    def work(db: Database) -> dict[str, Any]:
        existing = store.get_patient(db, patient_id)
        changed = {key: value for key, value in wanted.items() if existing[key] != value}
        # a name as registration refuses it (the pages' form came here unchecked); the stored one
        # sent back unchanged, by a form correcting the sex, is no change and not judged again
        found = name_problem(changed["name"]) if "name" in changed else None
        if found is not None:
            raise UserInputError(f"{where}: name: {found[0]}", says=found[1], params=found[2])
        if not changed:
            raise UserInputError(
                f"{where}: the name, sex and birth date given are the ones stored; nothing to correct",
                says="error.patient_correction_same",
            )
        assignments = ", ".join(f"{key} = :{key}" for key in changed)
        db.conn.execute(f"UPDATE patients SET {assignments} WHERE id = :id", {**changed, "id": patient_id})
        audit.append(
            db,
            actor=actor,
            action="patient.correct",
            entity="patient",
            entity_id=patient_id,
            reason=reason,
            data={"before": {key: existing[key] for key in changed}, "after": changed},
        )
        if "birth_date" in changed:
            _visit_ages(db, patient_id, changed["birth_date"], where=where, actor=actor, reason=reason)
        return {**existing, **changed}

    return write(db, work)


def _visit_ages(
    db: Database, patient_id: int, birth_date: str, *, where: str, actor: str, reason: str
) -> None:
    """Each of the patient's open visits takes the age ``birth_date`` gives on its day
    (``encounters.age_years``, what the queue shows and the next assessment uses), audited
    ``encounter.age_correct``. A closed visit keeps the age it was recorded and decided with: its
    decisions are made and the record of them must not change under them (a device's correction
    re-assesses it with that age too). A date after any visit, closed or open, is refused."""
    for visit in db.query(
        "SELECT id, started_at, day, age_years, closed_at FROM encounters WHERE patient_id = ? ORDER BY id",
        [patient_id],
    ):
        age = store.age_at(birth_date, datetime.fromisoformat(visit["started_at"]))
        if age is not None and age < 0:
            raise UserInputError(
                f"{where}: 'birth_date' {birth_date} is after the patient's visit of {visit['day']}"
                f" (encounter {visit['id']}); check the date"
            )
        if age == visit["age_years"] or visit["closed_at"] is not None:
            continue
        db.conn.execute("UPDATE encounters SET age_years = ? WHERE id = ?", [age, visit["id"]])
        audit.append(
            db,
            actor=actor,
            action="encounter.age_correct",
            entity="encounter",
            entity_id=visit["id"],
            reason=f"birth date corrected: {reason}",
            data={"before": {"age_years": visit["age_years"]}, "after": {"age_years": age}},
        )


def corrections_of(db: Database, patient_id: int) -> list[dict[str, Any]]:
    """The patient's corrected details, oldest first: ``at``, ``actor``, ``reason``, ``before``,
    ``after`` (only the details that changed), from the audit trail."""
    return [
        {"at": e["at"], "actor": e["actor"], "reason": e["reason"], **e["data"]}
        for e in audit.entries_for(db, "patient", patient_id)
        if e["action"] == "patient.correct"
    ]

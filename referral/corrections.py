"""Device corrections of results already stored as observations of an encounter.

When a device corrects a result (HL7 OBX-11 ``C``, ASTM status ``C``), the inbox replaces its row
in place (``referral.inbox._supersede``) and hands it to triage again. If that result had already
become an observation (through the pipeline, or assigned by a person from the held worklist),
the service records the correction here (``triage/service/corrections.py`` decides; this module
stores):

* **applied** - the corrected value is a new observation (status ``corrected``) and the one it
  replaces is taken out of the decision (:func:`observations_in_force`), or
* **held** - triage rejected the corrected value (implausible, wrong unit...) or it names another
  patient: the reading in force is taken out of the decision all the same (the device said it was
  wrong) and nothing from that result is used until a device sends a usable correction; the
  correction waits in the held worklist (``referral.review``) for a person to dismiss it.

Rules this module keeps:

* Append-only: observations are never edited or deleted; the replaced one stays stored and
  visible, and ``observation_corrections`` links it to what replaced it (``replaces_id``, one
  correction per observation). The only later write is the one-time review of a held correction.
* One transaction per correction: the new observation, the correction row and an audit entry
  (``observation.correct`` or ``observation.correction_held``) commit together.
* Idempotent: a correction that changes nothing (same value, unit and comparator as the reading
  in force, or the same rejected value as the held correction) records nothing and returns
  ``None`` - so the same correction delivered again after a crash is not a new event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlite_utils import Database

from referral import audit, store
from referral.errors import ConflictError, NotFoundError
from referral.inbox import StoredDeviceResult, utc_now
from referral.records import ObservationIn
from referral.transactions import write

CorrectionState = Literal["applied", "held"]
_COLUMNS = (
    "id, encounter_id, result_id, message_id, replaces_id, state, correction_id, old_value, new_value,"
    " held_reason, corrected_at, reviewed_by, reviewed_at, review_reason"
)
_LATEST_HELD = (
    "c.state = 'held' AND c.reviewed_at IS NULL AND NOT EXISTS (SELECT 1 FROM observation_corrections n"
    " WHERE n.result_id = c.result_id AND n.encounter_id = c.encounter_id AND n.id > c.id)"
)
#: SQL condition: the device result ``r`` has a held correction nobody has reviewed yet, and it is
#: the latest correction of that result in its encounter (``referral.review`` lists these).
OPEN_HELD = f"EXISTS (SELECT 1 FROM observation_corrections c WHERE c.result_id = r.id AND {_LATEST_HELD})"


@dataclass(frozen=True)
class Correction:
    id: int
    encounter_id: int
    result_id: int
    message_id: int
    replaces_id: int | None
    state: CorrectionState
    correction_id: int | None
    old_value: str
    new_value: str
    held_reason: str | None
    corrected_at: str
    reviewed_by: str | None
    reviewed_at: str | None
    review_reason: str | None


@dataclass(frozen=True)
class Standing:
    """Where a device result stands in one encounter it was stored in."""

    encounter_id: int
    mrn: str
    in_force: dict[str, Any] | None  # the observation from it the decision uses (None: withdrawn)
    latest: Correction | None  # its latest correction in this encounter, if any

    @property
    def current_value(self) -> str:
        """The value the clinic last had from the device for this result."""
        if self.in_force is not None:
            return value_text(self.in_force)
        assert self.latest is not None, "an observation is withdrawn only by a correction"
        return self.latest.new_value


def value_text(row: dict[str, Any]) -> str:
    """An observation row's value as staff read it: ``28.0 mmol/L``, ``>33.3 mmol/L``."""
    value = row["value_num"] if row["value_num"] is not None else row["value_text"]
    return f"{row['comparator'] or ''}{value} {row['unit'] or ''}".strip()


def _same_value(row: dict[str, Any], new: ObservationIn) -> bool:
    return (row["value_num"], row["value_text"], row["comparator"], row["unit"]) == (
        new.value_num,
        new.value_text,
        new.comparator,
        new.unit,
    )


def standing(db: Database, result_id: int) -> list[Standing]:
    """Each encounter the device result was stored in as an observation (usually one; none when
    it never became an observation), with the observation in force and the latest correction."""
    source = f"inbox:{result_id}"
    encounters = db.conn.execute(
        "SELECT DISTINCT o.encounter_id, p.mrn FROM observations o JOIN encounters e ON e.id = o.encounter_id"
        " JOIN patients p ON p.id = e.patient_id WHERE o.device_message_id = ? ORDER BY o.encounter_id",
        [source],
    ).fetchall()
    found = []
    for encounter_id, mrn in encounters:
        in_force = db.execute_returning_dicts(
            "SELECT * FROM observations o WHERE o.encounter_id = ? AND o.device_message_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM observation_corrections c WHERE c.replaces_id = o.id)"
            " ORDER BY o.id DESC LIMIT 1",
            [encounter_id, source],
        )
        latest = _corrections(
            db, "result_id = ? AND encounter_id = ? ORDER BY id DESC LIMIT 1", [result_id, encounter_id]
        )
        found.append(
            Standing(int(encounter_id), str(mrn), in_force[0] if in_force else None, next(iter(latest), None))
        )
    return found


def _corrections(db: Database, where: str, params: list[Any]) -> list[Correction]:
    rows = db.conn.execute(f"SELECT {_COLUMNS} FROM observation_corrections WHERE {where}", params)
    return [Correction(*row) for row in rows]


def record(
    db: Database,
    result: StoredDeviceResult,
    encounter_id: int,
    *,
    observation: ObservationIn | None,
    new_value: str,
    held_reason: str | None = None,
    actor: str,
) -> Correction | None:
    """Record the device's correction of ``result`` in the encounter: ``observation`` (the corrected
    reading, status ``corrected``) replaces the reading in force, or, when ``observation`` is None,
    the correction is held with ``held_reason`` and the reading in force is withdrawn.

    One transaction with its audit entry. Returns None when the correction changes nothing.
    """
    if (observation is None) == (held_reason is None):
        raise ValueError("a correction is either applied (an observation) or held (a reason), not both")

    def work(db: Database) -> Correction | None:
        now = next((s for s in standing(db, result.id) if s.encounter_id == encounter_id), None)
        if now is None:
            raise NotFoundError(
                f"device result {result.id} is not an observation of encounter {encounter_id}"
            )
        if observation is not None and now.in_force is not None and _same_value(now.in_force, observation):
            return None
        if (
            observation is None
            and now.in_force is None
            and now.latest is not None
            and (now.latest.new_value, now.latest.held_reason) == (new_value, held_reason)
        ):
            return None
        correction_id = None
        if observation is not None:
            (correction_id,) = store.add_observations(
                db,
                encounter_id,
                [observation],
                actor=actor,
                reason=f"device correction of result {result.id}",
                after_close=True,  # the record follows the device after the visit ended too
            )
        replaces = None if now.in_force is None else int(now.in_force["id"])
        state: CorrectionState = "held" if observation is None else "applied"
        at = utc_now()
        cursor = db.conn.execute(
            "INSERT INTO observation_corrections (encounter_id, result_id, message_id, replaces_id, state,"
            " correction_id, old_value, new_value, held_reason, corrected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                encounter_id,
                result.id,
                result.message_id,
                replaces,
                state,
                correction_id,
                now.current_value,
                new_value,
                held_reason,
                at,
            ],
        )
        audit.append(
            db,
            actor=actor,
            action="observation.correct" if state == "applied" else "observation.correction_held",
            entity="encounter",
            entity_id=encounter_id,
            reason=held_reason or f"device {result.device_id} corrected result {result.id}",
            data={
                "correction": cursor.lastrowid,
                "result_id": result.id,
                "message_id": result.message_id,
                "device_id": result.device_id,
                "replaces_observation": replaces,
                "observation": correction_id,
                "old_value": now.current_value,
                "new_value": new_value,
                "corrected_at": at,
            },
        )
        return _corrections(db, "id = ?", [cursor.lastrowid])[0]

    return write(db, work)


def observations_in_force(db: Database, encounter_id: int) -> list[dict[str, Any]]:
    """The encounter's observations a decision may use: all but those a correction replaced."""
    return db.execute_returning_dicts(
        "SELECT * FROM observations o WHERE o.encounter_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM observation_corrections c WHERE c.replaces_id = o.id) ORDER BY o.id",
        [encounter_id],
    )


def for_encounter(db: Database, encounter_id: int) -> list[Correction]:
    """The encounter's corrections, oldest first (the patient page shows them with the readings)."""
    return _corrections(db, "encounter_id = ? ORDER BY id", [encounter_id])


def open_held(db: Database, result_id: int) -> list[Correction]:
    """The result's held corrections nobody has reviewed yet (the latest in each encounter)."""
    return _corrections(
        db,
        f"id IN (SELECT c.id FROM observation_corrections c WHERE c.result_id = ? AND {_LATEST_HELD}) ORDER BY id",
        [result_id],
    )


def open_held_in(db: Database, encounter_id: int) -> list[Correction]:
    """The encounter's held corrections nobody has reviewed yet (the latest of each result)."""
    return _corrections(
        db,
        f"id IN (SELECT c.id FROM observation_corrections c WHERE c.encounter_id = ? AND {_LATEST_HELD}) ORDER BY id",
        [encounter_id],
    )


def dismiss_held(db: Database, result_id: int, *, actor: str, reason: str) -> list[Correction]:
    """A person dismisses the result's held correction(s): the rejected value is not used and the
    reading it withdrew stays withdrawn. Once; with an audit entry in the same transaction."""

    def work(db: Database) -> list[Correction]:
        held = open_held(db, result_id)
        if not held:
            raise ConflictError(f"device result {result_id} has no held correction to dismiss")
        at = utc_now()
        for item in held:
            db.conn.execute(
                "UPDATE observation_corrections SET reviewed_by = ?, reviewed_at = ?, review_reason = ?"
                " WHERE id = ? AND reviewed_at IS NULL",
                [actor, at, reason, item.id],
            )
            audit.append(
                db,
                actor=actor,
                action="observation.correction_dismiss",
                entity="encounter",
                entity_id=item.encounter_id,
                reason=reason,
                data={
                    "correction": item.id,
                    "result_id": result_id,
                    "new_value": item.new_value,
                    "reviewed_at": at,
                },
            )
        return _corrections(db, f"id IN ({', '.join(str(c.id) for c in held)}) ORDER BY id", [])

    return write(db, work)

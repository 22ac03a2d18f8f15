"""A device's correction of a result already stored as an observation: validate it like any
reading, then apply it or hold it (``referral/corrections.py`` stores and audits).

The device pipeline calls :func:`correct` for every result it is handed that is already an
observation of some encounter - stored by the pipeline, or assigned by a person from the held
worklist - whatever the gateway's ``auto_feed`` says (an assigned oximeter reading has no patient
id). The correction goes to the encounter that holds the reading, never to "today's" encounter.

* The corrected value goes through the pipeline's own conversion (``observation_from_stored``:
  vocabulary, unit, plausibility range). Accepted, it becomes a new observation (status
  ``corrected``) that replaces the reading in the decision; the original stays stored and shown.
* Rejected (implausible value, unit, unmapped code, QC, or a correction naming another patient),
  it is **held**: the reading it corrects is withdrawn from the decision anyway - the device said
  that value was wrong, so keeping it in force would be the silent failure - and the correction
  waits in the held worklist; the patient page says so next to the reading.
* Either way, in the same transaction, the encounter is re-assessed and, when policy says so, a
  referral is proposed (never sent), like a new device reading. A correction that changes nothing
  records nothing.
* A referral already made from an assessment that used the corrected reading and still open to a
  decision (proposed, sent, accepted) is never cancelled here: it is flagged in the same
  transaction (``referral.basis``: old -> new value, the new disposition, less urgent or not), and
  a clinician acknowledges or cancels it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlite_utils import Database

from devices.hold import HoldKind
from referral import basis, corrections
from referral.inbox import StoredDeviceResult
from referral.records import ObservationIn
from referral.transactions import write
from triage.errors import ClinicError
from triage.service.clinic import Clinic, observation_row

log = logging.getLogger("triage.service.corrections")


@dataclass(frozen=True)
class Corrected:
    """One encounter a correction reached: what was recorded (None: nothing changed)."""

    encounter_id: int
    correction: corrections.Correction | None
    assessment: dict[str, Any] | None
    corrected_before: bool  # a correction of this result was recorded in the encounter earlier
    flagged: tuple[basis.BasisChange, ...] = ()  # referrals whose basis this correction changed


def _validated(
    result: StoredDeviceResult,
    held: tuple[HoldKind | None, str] | None,
    mrn: str,
    convert: Callable[[StoredDeviceResult], Any],
) -> tuple[Any | None, str | None]:
    """(the corrected observation, None) or (None, why the correction cannot be used). Held by the
    gateway only for want of a patient link (kind ``no_patient``: the encounter holding the
    reading is the link), it is used; held for any other kind, or none given, it is not."""
    if held is not None and held[0] != "no_patient":
        return None, f"device correction not used: {held[1]}"
    if result.patient_id and result.patient_id != mrn:
        return None, "device correction names another patient than the stored reading"
    try:
        return convert(result), None
    except ClinicError as exc:
        return None, f"triage rejected the corrected value: {exc}"


def _record(
    db: Database,
    *,
    clinic: Clinic,
    result: StoredDeviceResult,
    place: corrections.Standing,
    observation: ObservationIn | None,
    new_value: str,
    held_reason: str | None,
    actor: str,
    propose: Callable[[Database, dict[str, Any]], object] | None,
) -> Corrected:
    """One encounter, one transaction: the correction, its audit entry, the new assessment and a
    proposed referral commit together, so a crash cannot leave the decision on the old value."""
    earlier = place.latest is not None
    recorded = corrections.record(
        db,
        result,
        place.encounter_id,
        observation=observation,
        new_value=new_value,
        held_reason=held_reason,
        actor=actor,
    )
    if recorded is None:
        return Corrected(place.encounter_id, None, None, earlier)
    assessment = clinic.assess_encounter(
        db, place.encounter_id, actor=actor, source="device correction", correcting=True
    )  # also after the visit was closed: the record follows the device, and referrals get flagged
    flagged = basis.flag(db, recorded, assessment, actor=actor)  # before a new referral is proposed
    if propose is not None:
        propose(db, assessment)
    return Corrected(place.encounter_id, recorded, assessment, earlier, tuple(flagged))


def correct(
    db: Database,
    clinic: Clinic,
    result: StoredDeviceResult,
    hold_reason: str | None,
    *,
    hold_kind: HoldKind | None,
    actor: str,
    convert: Callable[[StoredDeviceResult], Any],
    propose: Callable[[Database, dict[str, Any]], object] | None,
) -> list[Corrected] | None:
    """Apply the device's correction to every encounter holding the result as an observation.

    Returns None when the result never became an observation (the caller treats it as a new
    result). ``hold_kind`` and ``hold_reason`` are the gateway's hold (``devices.hold``: the code
    decides, the sentence is what the held correction says). ``convert`` is the pipeline's
    conversion; ``propose`` proposes a referral for an assessment when policy allows (None: never).
    """
    held = None if hold_reason is None else (hold_kind, hold_reason)
    places = corrections.standing(db, result.id)
    if not places:
        return None
    done = []
    for place in places:
        observation, reason = _validated(result, held, place.mrn, convert)
        row = None if observation is None else observation_row(observation)
        new_value = result.shown_value if row is None else corrections.value_text(row.model_dump())
        outcome = write(
            db,
            partial(
                _record,
                clinic=clinic,
                result=result,
                place=place,
                observation=row,
                new_value=new_value,
                held_reason=reason,
                actor=actor,
                propose=propose,
            ),
        )
        if outcome.correction is not None:
            clinic.hub.publish("queue", encounter_id=outcome.encounter_id)  # after the commit
            log.log(
                logging.INFO if outcome.correction.state == "applied" else logging.WARNING,
                "device %s: correction of result %d %s in encounter %d",
                result.device_id,
                result.id,
                outcome.correction.state,
                outcome.encounter_id,
            )
            for change in outcome.flagged:
                log.warning(
                    "referral %d: its basis was corrected (basis change %d); flagged for review",
                    change.referral_id,
                    change.id,
                )
        done.append(outcome)
    return done

"""Held device results: the one code path of the API and the devices page (``referral/review.py``
stores and audits).

Assigning a held result to an encounter stores it as an observation of that encounter - the
pipeline's conversion (``observation_from_stored``), device and ``inbox:<id>`` provenance kept -
in the same transaction as the review and its audit entry, then re-assesses the encounter as the
pipeline does and proposes a referral when the policy says so. The queue and the device panel are
told at once (``hub.publish``). Log lines name result and encounter ids, never a patient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlite_utils import Database

from referral import review
from referral.errors import ConflictError
from referral.inbox import StoredDeviceResult
from referral.transactions import write
from triage.errors import UserInputError
from triage.service import proposals
from triage.service.clinic import Clinic
from triage.service.pipeline import observation_from_stored
from triage.service.runtime import Runtime

log = logging.getLogger("triage.service.held")
SOURCE = "held device result"


@dataclass(frozen=True)
class Assigned:
    result_id: int
    encounter_id: int
    observation_id: int
    assessment: dict[str, Any]
    referral: dict[str, Any] | None


def assign(
    runtime: Runtime,
    clinic: Clinic,
    db: Database,
    result_id: int,
    encounter_id: int,
    *,
    actor: str,
    reason: str,
) -> Assigned:
    """Assign a held result to the encounter: review + observation in one transaction, then assess."""

    def work(db: Database) -> tuple[StoredDeviceResult, int]:
        result = review.assign(db, result_id, encounter_id, actor=actor, reason=reason)
        try:
            observation = observation_from_stored(result, clinic.clock)
        except UserInputError as exc:  # raised inside the transaction: the review is undone too
            raise UserInputError(
                f"device result {result_id} cannot be stored as an observation: {exc} - dismiss it"
            ) from None
        (observation_id,) = clinic.add_observations(
            db, encounter_id, [observation], actor=actor, reason=f"{SOURCE} assigned: {reason.strip()}"
        )
        review.set_observation(db, result_id, observation_id, actor=actor)
        return result, observation_id

    result, observation_id = write(db, work)
    runtime.metrics.device_results.labels("assigned").inc()
    log.info("device result %d assigned to encounter %d by %s", result_id, encounter_id, actor)
    assessment = clinic.assess_encounter(db, encounter_id, actor=actor, source=SOURCE)
    referral = proposals.propose(runtime, db, assessment, actor=actor)
    runtime.hub.publish("device", device=result.device_id)
    return Assigned(result_id, encounter_id, observation_id, assessment, referral)


def done_so(
    db: Database, exc: ConflictError, result_id: int, done: tuple[object, ...]
) -> review.Review | None:
    """The review of a result "already dealt with" when it was dealt with so - ``done`` is (state,
    encounter, by, reason): the same request sent again by the same user or client after its answer
    was lost (the page's form pressed again after "no answer", ``app.js``; an API client's retry
    after a timeout), its first press recorded. None when it was dealt with otherwise or by someone
    else: that is still the 409 naming who did what and when."""
    if exc.says != "error.held_reviewed":
        return None
    was = review.get_review(db, result_id)
    if was is None or (was.state, was.encounter_id, was.reviewed_by, was.reason) != done:
        return None
    return was


#: the audit reason of the assessment an assignment makes (``Clinic.assess_encounter``'s ``source``)
ASSESSED_FOR = f"assessment ({SOURCE})"


def assigned_before(runtime: Runtime, clinic: Clinic, db: Database, was: review.Review) -> Assigned:
    """What :func:`assign` answered when it assigned the result ``was`` records, for the same request
    sent again: the observation stored, the assessment the assignment made (the first one of the
    encounter by the same user after the review's audit entry) and the referral standing on it.
    Nothing is stored again - but for the assessment, made now when the first request ended before it."""
    assert was.encounter_id is not None and was.observation_id is not None
    (assigned_at,) = db.conn.execute(
        "SELECT max(seq) FROM audit WHERE entity = 'device_result' AND entity_id = ?"
        " AND action = 'device_result.assign'",
        [str(was.result_id)],
    ).fetchone()
    row = db.conn.execute(
        "SELECT a.id, a.disposition FROM assessments a"
        " JOIN audit u ON u.entity = 'assessment' AND u.entity_id = CAST(a.id AS TEXT)"
        " WHERE a.encounter_id = ? AND u.actor = ? AND u.reason = ? AND u.seq > ?"
        " ORDER BY a.id LIMIT 1",
        [was.encounter_id, was.reviewed_by, ASSESSED_FOR, assigned_at],
    ).fetchone()
    if row is None:  # the first request stored the reading and ended before assessing: assess now
        assessment = clinic.assess_encounter(db, was.encounter_id, actor=was.reviewed_by, source=SOURCE)
        referral = proposals.propose(runtime, db, assessment, actor=was.reviewed_by)
        return Assigned(was.result_id, was.encounter_id, was.observation_id, assessment, referral)
    # the referral that assessment proposed or raised, read in the audit trail: a later decision of
    # the visit raising it moves it onto its own assessment (referrals.raise_urgency), and looked
    # up by the referral's assessment_id the retry answered referral_id null
    standing = db.conn.execute(
        "SELECT CAST(entity_id AS INTEGER) FROM audit WHERE seq > ? AND entity = 'referral'"
        " AND action IN ('referral.create', 'referral.urgency_raised')"
        " AND actor = ? AND json_extract(data, '$.assessment_id') = ? ORDER BY seq LIMIT 1",
        [assigned_at, was.reviewed_by, row[0]],
    ).fetchone()
    referral = None if standing is None else {"id": standing[0]}
    return Assigned(
        was.result_id, was.encounter_id, was.observation_id, {"id": row[0], "disposition": row[1]}, referral
    )


def dismiss(runtime: Runtime, db: Database, result_id: int, *, actor: str, reason: str) -> review.Review:
    """Dismiss a held result (test strip, wrong sample...); a reason is required."""
    result, done = review.dismiss(db, result_id, actor=actor, reason=reason)
    runtime.metrics.device_results.labels("dismissed").inc()
    log.info("device result %d dismissed by %s", result_id, actor)
    runtime.hub.publish("device", device=result.device_id)
    if done.encounter_id is not None:  # a held device correction: its patient page changes
        runtime.hub.publish("queue", encounter_id=done.encounter_id)
    return done


#: How many of the day's open encounters the devices page's Assign lists hold (the newest): each
#: held result's form repeats the list; the page says so when the day has more
#: (``open_encounter_count``)
ASSIGN_LIST_MAX = 500


def open_encounters(db: Database, day: date) -> list[dict[str, Any]]:
    """The ``day``'s encounters (the clinic's today) not closed, newest first, with the patient's
    name, record number, sex and age at the visit, for the assign form (a closed encounter takes
    no readings): a choice naming the visit and record number only let a nurse give a result to
    the wrong patient. At most :data:`ASSIGN_LIST_MAX`."""
    rows = db.conn.execute(
        "SELECT e.id, p.mrn, p.name, p.sex, e.age_years, e.started_at"
        " FROM encounters e JOIN patients p ON p.id = e.patient_id"
        " WHERE e.day = ? AND e.closed_at IS NULL ORDER BY e.id DESC LIMIT ?",
        [day.isoformat(), ASSIGN_LIST_MAX],
    )
    return [
        {"id": int(i), "mrn": str(mrn), "name": name, "sex": sex, "age_years": age, "started_at": str(at)}
        for i, mrn, name, sex, age, at in rows
    ]


def open_encounter_count(db: Database, day: date) -> int:
    """How many of the ``day``'s encounters are open: more than :func:`open_encounters` lists is
    said on the page, with how to reach a patient who is not listed."""
    (count,) = db.conn.execute(
        "SELECT count(*) FROM encounters WHERE day = ? AND closed_at IS NULL", [day.isoformat()]
    ).fetchone()
    return int(count)

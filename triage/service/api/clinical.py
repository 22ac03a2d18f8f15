"""Patients, encounters (opened and closed), observations (manual or device bridges), assessments,
the staff queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field, StringConstraints

from referral import corrections, patients, store
from referral import queue as staff_queue
from referral.closure import CONFIRM_IN_API, proposed_not_sent
from referral.queue import QueueState
from referral.records import PatientIn, check_record_number
from triage.errors import UserInputError
from triage.service import closure as closing
from triage.service.api import etag, paging
from triage.service.api.analyst_view import StaffPseudonyms, is_analyst
from triage.service.api.associations import association_out
from triage.service.api.clinical_bodies import (
    NEVER_DECIDED,
    AssessmentOut,
    AssessRequest,
    EncounterClose,
    EncounterClosed,
    EncounterCreate,
    EncounterDetail,
    EncounterList,
    EncounterListItem,
    EncounterOpened,
    EncounterOut,
    ObservationEntry,
    ObservationIds,
    ObservationOut,
    OverrideCreate,
    OverrideOut,
    PatientCorrected,
    PatientCorrection,
    PatientCorrectionOut,
    PatientCreate,
    PatientList,
    PatientOut,
    PatientRegistered,
    QueueItem,
    WalkInAssessment,
    WalkInOut,
    plausible_birth,
    validate_observations,
)
from triage.service.api.created import created, locate
from triage.service.api.deps import MAX_ID, ClinicDep, DbDep, RuntimeDep
from triage.service.api.errors import naming
from triage.service.api.idempotency import WHERE, HeaderKey, keyed
from triage.service.api.json_body import JsonRoute
from triage.service.api.referrals import HintedRoles
from triage.service.api.referrals import Reader as SyncReader
from triage.service.auth import CLINICAL_READ, CLINICAL_WRITE, CLINICIAN_ONLY, Principal, Role, allow
from triage.service.clinic import observation_row, stored_assessment_json, stored_assessment_view
from triage.service.walk_ins import ALREADY_OPEN, WalkIn, refuse_visit_key
from triage.service.writer import store_walk_in

router = APIRouter(tags=["clinical"], route_class=JsonRoute)

#: What a sync client (the analyst's token) or an integrator refused on a record naming the patient
#: is told beside the roles' names (docs/service.md, Roles).
PATIENT_RECORD = (
    "this names the patient, which only the clinical roles read: a sync client copies the visits from"
    " GET /api/v1/changes/encounters, and their readings from each assessment's observations_used"
    " (GET /api/v1/changes/assessments)"
)
Reader = Annotated[Principal, Depends(HintedRoles(CLINICAL_READ, PATIENT_RECORD))]
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
Submitter = Annotated[Principal, Depends(allow(*CLINICAL_WRITE, Role.integrator))]
Clinician = Annotated[Principal, Depends(allow(*CLINICIAN_ONLY))]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _fingerprint(body: EncounterCreate | AssessRequest | WalkInAssessment | OverrideCreate) -> str | None:
    """The request body's fingerprint (without its key) when it carries an ``idempotency_key``:
    the key used again with another body is a 409 ``idempotency_conflict``, as for referrals."""
    return None if body.idempotency_key is None else store.request_digest(body)


def _patient_in(body: PatientCreate) -> PatientIn:
    return PatientIn(mrn=body.mrn, name=body.name, sex=body.sex, birth_date=body.birth_date)


@router.get(
    "/patients",
    summary="List patients, newest first, a page at a time",
    description='`next` (and the `Link` header\'s rel="next") is the next page: the same `limit`'
    " with `before_id`, stable while patients are registered; `offset` still pages, but a patient"
    " registered meanwhile shifts its pages by one. `mrn` finds the patient with that record"
    " number: `data` holds that one patient, or none (`total` 0) when no patient has it.",
    responses=paging.paged(),
)
def list_patients(
    request: Request,
    response: Response,
    db: DbDep,
    _: Reader,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    offset: paging.Offset = 0,
    before_id: paging.BeforeId = None,
    mrn: Annotated[
        Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\S([\s\S]*\S)?$")] | None,
        Query(
            description="Only the patient with this record number (exactly, as `mrn` in a patient's"
            " body; case and spaces count): one patient or none. A control or invisible character is"
            " a 422, as in the bodies, unless a patient stored before that check has this number",
        ),
    ] = None,
) -> PatientList:
    if mrn is not None:
        _stored_or_valid_record_number(db, mrn)
    matches, params = ("mrn = ?", [mrn]) if mrn is not None else ("1", [])
    rows = db.query(
        f"SELECT * FROM patients WHERE {matches} AND id < ? ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, MAX_ID if before_id is None else before_id, limit + 1, offset],
    )
    found = [PatientOut.model_validate(r) for r in rows]
    page = found[:limit]
    total = int(db.conn.execute(f"SELECT count(*) FROM patients WHERE {matches}", params).fetchone()[0])
    following = paging.next_page(request, before_id=page[-1].id) if len(found) > limit else None
    paging.answer(response, total, following)
    return PatientList(data=page, count=total, total=total, next=following)


def _stored_or_valid_record_number(db: Any, mrn: str) -> None:
    """A record number the bodies would refuse (a control or invisible character) is a 422 naming
    ``query.mrn``, as at every entry - unless a patient an earlier version stored has exactly it:
    such a patient is listed and shown, and a client that read the number there finds it."""
    try:
        check_record_number(mrn, "query.mrn")
    except UserInputError:
        if store.find_patient(db, mrn) is None:
            raise


@router.post(
    "/patients",
    status_code=201,
    summary="Register a patient (200: found by MRN; never renamed: 422 when the MRN is another patient's)",
    responses={
        **created("The patient was registered"),
        200: {"model": PatientRegistered, "description": "The patient already stored with this MRN"},
    },
)
def create_patient(
    body: PatientCreate, response: Response, db: DbDep, clinic: ClinicDep, who: Writer
) -> PatientRegistered:
    """201 with ``already_registered: false`` when the patient was registered; 200 with
    ``already_registered: true`` and the stored patient when the MRN was already registered to the
    same patient (details it had blank are filled in)."""
    plausible_birth(body.birth_date, ("birth_date",), clinic.clock)
    row, found = clinic.find_or_register_patient(db, _patient_in(body), actor=who.username)
    if found:
        response.status_code = 200
    else:
        locate(response, f"/api/v1/patients/{row['id']}")
    return PatientRegistered.model_validate({**row, "already_registered": found})


@router.get("/patients/{patient_id}", summary="One patient")
def get_patient(patient_id: Id, db: DbDep, _: Reader) -> PatientOut:
    return PatientOut.model_validate(store.get_patient(db, patient_id))


@router.post(
    "/patients/{patient_id}/corrections",
    status_code=201,
    summary="Correct a patient's stored name, sex or birth date (reason required; old and new values audited)",
    responses={412: etag.PRECONDITION_FAILED},
)
def correct_patient(
    patient_id: Id,
    body: PatientCorrection,
    db: DbDep,
    rt: RuntimeDep,
    who: Writer,
    if_match: etag.IfMatch = None,
) -> PatientCorrected:
    """For a mistake made at registration: the record number cannot be changed. 404 unknown
    patient; 422 naming the field for an empty reason or name, a birth date that is no date, in the
    future, more than 130 years ago or after one of the patient's visits, or when the details given
    are the ones stored (nothing to correct). A corrected birth date corrects the age of the
    patient's visits too. The audit entry ``patient.correct`` keeps the old and new values, who and
    why; ``GET .../corrections`` lists them."""
    plausible_birth(body.birth_date, ("birth_date",), rt.clock)
    row = etag.guarded(
        db,
        if_match,
        lambda d: PatientOut.model_validate(store.get_patient(d, patient_id)),
        f"GET /api/v1/patients/{patient_id}",
        lambda d: patients.correct(
            d,
            patient_id,
            name=body.name,
            sex=body.sex,
            birth_date=body.birth_date,
            actor=who.username,
            reason=body.reason,
            clinic=rt.clock,
        ),
    )
    return PatientCorrected(
        patient=PatientOut.model_validate(row),
        correction=PatientCorrectionOut.model_validate(patients.corrections_of(db, patient_id)[-1]),
    )


@router.get(
    "/patients/{patient_id}/corrections",
    summary="A patient's corrected name, sex or birth date, oldest first",
    responses=paging.counted(),
)
def patient_corrections(
    patient_id: Id, response: Response, db: DbDep, _: Reader
) -> list[PatientCorrectionOut]:
    store.get_patient(db, patient_id)  # 404 for an unknown patient, not an empty list
    found = [PatientCorrectionOut.model_validate(c) for c in patients.corrections_of(db, patient_id)]
    return paging.whole(response, found)


@router.get(
    "/patients/{patient_id}/encounters",
    summary="A patient's encounters (visits), newest first, a page at a time",
    description="Every visit of the patient, open and closed, on any day (the queue shows today's"
    ' only). `next` (and the `Link` header\'s rel="next") is the next page: the same `limit` with'
    " `before_id`, stable while visits are opened. Each visit carries its latest decision"
    " (`disposition`, `decided_at`, `overridden`, `assessment_id`; null before any assessment),"
    " read for the whole page at once; its readings and assessment: `GET /api/v1/encounters/{id}`."
    " 404 for an unknown patient.",
    responses=paging.paged(),
)
def patient_encounters(
    patient_id: Id,
    request: Request,
    response: Response,
    db: DbDep,
    _: Reader,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    before_id: paging.BeforeId = None,
) -> EncounterList:
    store.get_patient(db, patient_id)  # 404 for an unknown patient, not an empty list
    found = store.patient_encounters(db, patient_id, limit=limit + 1, before_id=before_id)
    decided = staff_queue.latest_decisions(db, [int(row["id"]) for row in found[:limit]])
    page = [
        EncounterListItem.model_validate(row | decided.get(int(row["id"]), NEVER_DECIDED))
        for row in found[:limit]
    ]
    total = store.count_patient_encounters(db, patient_id)
    following = paging.next_page(request, before_id=page[-1].id) if len(found) > limit else None
    paging.answer(response, total, following)
    return EncounterList(data=page, total=total, next=following)


@router.post(
    "/encounters",
    status_code=201,
    summary="Open an encounter for a registered patient (200: the visit already open today)",
    responses={
        **created("The encounter was opened (or returned again for its idempotency_key)"),
        200: {"model": EncounterOpened, "description": "The patient's visit already open today"},
    },
)
def create_encounter(
    body: EncounterCreate, response: Response, db: DbDep, clinic: ClinicDep, who: Writer, key: HeaderKey
) -> EncounterOpened:
    """201 with a new encounter; 200 with ``already_open: true`` and the patient's visit already
    open today (nothing is written: a patient has one open visit a day, as on the walk-in page)."""
    body = keyed(body, key)
    refuse_visit_key(body.idempotency_key, "idempotency_key" if key is None else WHERE)
    with naming("mrn"):
        row, already_open = clinic.open_visit(
            db,
            body.mrn,
            actor=who.username,
            age_years=body.age_years,
            key=body.idempotency_key,
            body_sha256=_fingerprint(body),
        )
    if already_open:
        response.status_code = 200
    else:
        locate(response, f"/api/v1/encounters/{row['id']}")
    return EncounterOpened.model_validate({**row, "already_open": already_open})


def encounter_detail(db: Any, encounter_id: int) -> EncounterDetail:
    encounter = store.get_encounter(db, encounter_id)
    latest = store.latest_assessment(db, encounter_id)
    in_force = {int(o["id"]) for o in corrections.observations_in_force(db, encounter_id)}
    return EncounterDetail(
        encounter=EncounterOut.model_validate(encounter),
        patient=PatientOut.model_validate(store.get_patient(db, int(encounter["patient_id"]))),
        observations=[
            ObservationOut.model_validate({**o, "in_force": o["id"] in in_force})
            for o in store.list_observations(db, encounter_id)
        ],
        assessment=None if latest is None else AssessmentOut.model_validate(stored_assessment_view(latest)),
        final_disposition=None if latest is None else store.final_disposition(db, latest),
    )


@router.get("/encounters/{encounter_id}", summary="An encounter with readings and latest assessment")
def get_encounter(encounter_id: Id, db: DbDep, _: Reader) -> EncounterDetail:
    return encounter_detail(db, encounter_id)


@router.post(
    "/encounters/{encounter_id}/close",
    summary="Close the encounter (the visit ends): its devices are detached, its referrals go on",
)
def close_encounter(
    encounter_id: Id, body: EncounterClose, db: DbDep, rt: RuntimeDep, who: Writer
) -> EncounterClosed:
    """404 for an unknown encounter, 409 for one already closed, 409 ``referral_not_made`` when the
    latest decision is a transfer or referral and no referral was made (send ``without_referral:
    true`` to close anyway; the decision is recorded in the audit entry). After the close, results from the
    detached devices are held for review, and new readings, assessments and device attachments for
    this encounter are refused (409: open a new encounter)."""
    closed = closing.close_encounter(
        rt,
        db,
        encounter_id,
        actor=who.username,
        reason=body.reason,
        without_referral=body.without_referral,
        confirm=CONFIRM_IN_API,
    )
    return EncounterClosed(
        encounter=EncounterOut.model_validate(closed.encounter),
        ended_associations=[association_out(a, who) for a in closed.ended],
        proposed_referrals=proposed_not_sent(db, encounter_id),
    )


@router.post(
    "/encounters/{encounter_id}/observations",
    status_code=201,
    summary="Add readings (manual entry or a device bridge); all or nothing",
    responses={
        201: {"description": "The readings' ids (stored, or stored before under the Idempotency-Key)"}
    },
)
def add_observations(
    encounter_id: Id,
    body: Annotated[list[ObservationEntry], Field(min_length=1, max_length=200)],
    db: DbDep,
    clinic: ClinicDep,
    who: Submitter,
    key: HeaderKey,
) -> ObservationIds:
    """With an ``Idempotency-Key`` header (the body is an array: the key comes in the header only),
    the request sent again - a bridge's retry after a timeout - is answered the ids stored the
    first time and stores nothing, also once the visit is closed; the key with other readings or
    for another encounter is a 409 ``idempotency_conflict``."""
    # the body is the array itself: a refused reading is body[i], as the schema's refusals say
    observations = validate_observations(body, clinic.engine.future_tolerance, where="body")
    store.get_encounter(db, encounter_id)
    keyed = None if key is None else (key, store.digest([entry.model_dump(mode="json") for entry in body]))
    ids = clinic.add_observations(
        db, encounter_id, observations, actor=who.username, reason="manual entry", keyed=keyed
    )
    return ObservationIds(ids=ids)


def _pregnant_only_if_not_male(context: dict[str, Any] | None, sex: str | None, whose: str) -> None:
    """The engine refuses a pregnant male naming the fields of its own input (``patient.pregnant``,
    as in a ``triage assess`` file); an API client sent ``context.pregnant``: name that, first."""
    if context is not None and context.get("pregnant") is True and sex == "male":
        raise UserInputError(f'context.pregnant: true is inconsistent with {whose} "male"')


@router.post(
    "/encounters/{encounter_id}/assessments",
    status_code=201,
    summary="Assess the encounter's readings now and store the result",
    responses=created(),
)
def assess_encounter(
    encounter_id: Id,
    body: AssessRequest,
    response: Response,
    db: DbDep,
    clinic: ClinicDep,
    who: Writer,
    key: HeaderKey,
) -> AssessmentOut:
    body = keyed(body, key)
    context = body.context.model_dump(exclude_unset=True) if body.context else None
    if context is not None and context.get("pregnant") is True:
        patient_id = int(store.get_encounter(db, encounter_id)["patient_id"])
        _pregnant_only_if_not_male(
            context, store.get_patient(db, patient_id)["sex"], "the patient's stored sex"
        )
    row = clinic.assess_encounter(
        db,
        encounter_id,
        actor=who.username,
        source="api",
        context=context,
        key=body.idempotency_key,
        body_sha256=_fingerprint(body),
    )
    locate(response, f"/api/v1/assessments/{row['id']}")
    return AssessmentOut.model_validate(stored_assessment_view(row))


@router.post(
    "/assessments",
    status_code=201,
    response_model=WalkInOut,
    summary="Walk-in: register, record readings, assess, store",
    responses=created(
        "The walk-in's assessment (its `Location`), stored or returned again for its idempotency_key"
    ),
)
async def walk_in(
    body: WalkInAssessment, rt: RuntimeDep, clinic: ClinicDep, who: Submitter, header_key: HeaderKey
) -> Response:
    """With an ``idempotency_key``, repeating the request returns the stored assessment; the key
    must not be reused for another patient or with a different body (409). When the patient already has a visit open today,
    no second one is opened: the readings join that visit, which is assessed again over all its
    readings (``visit_already_open: true``)."""
    body = keyed(body, header_key)
    plausible_birth(body.patient.birth_date, ("patient", "birth_date"), clinic.clock)
    observations = validate_observations(body.observations, clinic.engine.future_tolerance)
    context = body.context.model_dump(exclude_unset=True) if body.context else None
    if context is not None:
        clinic.check_context(context)
        _pregnant_only_if_not_male(context, body.patient.sex, "patient.sex")
        if context.get("pregnant") is True and body.patient.sex == "unknown":
            stored = store.find_patient(rt.databases.get(), body.patient.mrn)
            _pregnant_only_if_not_male(
                context, None if stored is None else stored["sex"], "the patient's stored sex"
            )
    key = body.idempotency_key
    patient_in = _patient_in(body.patient)
    age = body.age_years
    if age is None and body.patient.birth_date is not None:
        age = store.age_at(body.patient.birth_date.isoformat(), clinic.clock.now())
    # The CPU part (scores, rules, models, serialisation) runs here, before the request joins the
    # single writer; the writer only stores rows (and recomputes if the stored patient differs).
    pseudo = clinic.pseudonym_for(rt.databases.get(), body.patient.mrn)
    walk_in = WalkIn(
        actor=who.username,
        patient=patient_in,
        age_years=body.age_years,
        key=key,
        observations=[observation_row(o) for o in observations],
        context=context,
        prepared=clinic.prepare_walk_in(pseudo, age, body.patient.sex, observations, context, key),
        body_sha256=_fingerprint(body),
    )
    row = await store_walk_in(rt, clinic, walk_in)
    shown = stored_assessment_json(row, {ALREADY_OPEN: bool(row.get(ALREADY_OPEN, False))})
    return Response(
        shown,
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/api/v1/assessments/{row['id']}"},
    )


@router.get("/assessments/{assessment_id}", summary="One stored assessment")
def get_assessment(assessment_id: Id, db: DbDep, who: SyncReader) -> AssessmentOut:
    shown = stored_assessment_view(store.get_assessment(db, assessment_id))
    return AssessmentOut.model_validate(StaffPseudonyms(db).row(shown) if is_analyst(who) else shown)


@router.post(
    "/assessments/{assessment_id}/overrides",
    status_code=201,
    summary="Clinician override of the decision (reason required, audited)",
    description="Replaces the engine's disposition of this assessment (also when it stays the same: a"
    " confirmation is a decision on record). Through the API an override proposes no referral and"
    " leaves the visit's referrals as they are - as the API's assessments, the client makes its own"
    " (`POST /api/v1/referrals`); the staff page's override proposes one as triage does.",
)
def override_assessment(
    assessment_id: Id, body: OverrideCreate, db: DbDep, clinic: ClinicDep, who: Clinician, key: HeaderKey
) -> OverrideOut:
    body = keyed(body, key)
    fingerprint = _fingerprint(body)
    request = (
        None if body.idempotency_key is None or fingerprint is None else (body.idempotency_key, fingerprint)
    )
    return OverrideOut.model_validate(
        clinic.override(db, assessment_id, body.disposition, body.reason, actor=who.username, keyed=request)
    )


@router.get(
    "/queue",
    summary="Today's queue, most urgent first",
    description=f"At most `limit` encounters ({paging.QUEUE_LIMIT} unless asked: a day's queue seldom has more);"
    ' `X-Total-Count` says how many the day has, and `Link: <...>; rel="next"` the next page, by'
    " `offset`. The queue is ranked live: a walk-in or a new assessment can move an encounter"
    " between pages, so a client reads it again from the start rather than page by page.",
    responses=paging.paged(),
)
def queue(
    request: Request,
    response: Response,
    db: DbDep,
    rt: RuntimeDep,
    _: Reader,
    state: Annotated[
        QueueState,
        Query(description="Only the encounters still open, or only the closed ones (default: all)"),
    ] = "all",
    limit: Annotated[
        int,
        paging.limit(paging.QUEUE_LIMIT, "a day's queue read whole: it is ranked live, so its pages shift"),
    ] = paging.QUEUE_LIMIT,
    offset: paging.Offset = 0,
) -> list[QueueItem]:
    today = rt.clock.today()
    rows = staff_queue.staff_queue(db, today, limit, state, offset)
    total = staff_queue.queue_size(db, today, state)
    following = offset + len(rows)
    paging.answer(response, total, paging.next_page(request, offset=following) if following < total else None)
    return [QueueItem.model_validate(row) for row in rows]

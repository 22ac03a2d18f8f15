"""Held device results: results that did not reach a patient by themselves (no patient link, not
final, unmapped code, or not accepted by triage - why as a code too, ``not_accepted_code``). Staff
assign them to an encounter or dismiss them, with a reason; QC results and results whose code the
device profile ignores (``ignored_codes``) are never listed, only counted. The list can be
narrowed to one reason (``?reason=``: a why or a not-accepted code).

Clinical roles and integrators may read (integrators without the device's patient id); nurses,
clinicians and admins assign and dismiss.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from referral import review
from referral.errors import ConflictError
from referral.inbox import NotAcceptedCode
from triage.assessment import Disposition
from triage.json_input import JsonNumber
from triage.service import held
from triage.service.api import paging
from triage.service.api.deps import MAX_ID, ClinicDep, DbDep, RuntimeDep
from triage.service.api.json_body import JsonRoute
from triage.service.api.paging import NextPage
from triage.service.auth import CLINICAL_READ, CLINICAL_WRITE, Principal, Role, allow

router = APIRouter(tags=["devices"], route_class=JsonRoute)
HELD_DAYS = 30  # the worklist's default window: older held results are listed with ?days=

Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
Reader = Annotated[Principal, Depends(allow(*CLINICAL_WRITE, Role.integrator))]
ResultId = Annotated[int, Path(ge=1, le=MAX_ID, description="The device result's id in the inbox")]
Reason = Field(min_length=1, max_length=2000, pattern=r"\S", description="Why (required, audited)")
WhyCode = review.Why  # the worklist's codes, one list
RETRIED = (
    "The same request sent again by the same account (the same encounter and reason; a retry whose"
    " answer was lost) is answered as the first was, nothing stored again. A result assigned or"
    " dismissed otherwise - by another account, or with another encounter or reason - is a 409"
    " `conflict` whose `context` says what was done: `state`, `encounter_id`, `observation_id`,"
    " `reason`, `user`, `reviewed_at`."
)


class ExpiredLinkOut(BaseModel):
    association_id: int
    expired_at: str


class HeldOut(BaseModel):
    id: int
    device_id: str
    received_at: str
    result_time: str = Field(
        description="The device's own time of the result, ISO 8601 with the device's UTC offset; for a"
        " device without a result clock `received <ISO 8601 time>` (then the receipt is the result's time)"
    )
    sample_id: str
    vendor_code: str
    code: str | None = Field(description="The vocabulary code; null when the vendor code is unmapped")
    value: str | None
    unit: str | None
    status: str
    corrected_from: str | None = Field(
        None,
        description="A device correction (status C) that changed the value: the value it replaced, as"
        " shown (`28.0 mmol/L`); every earlier version stays in the inbox and the audit trail",
    )
    patient_id: str | None = Field(description="The patient id the device sent; null for integrators")
    why: list[WhyCode]
    why_text: list[str]
    not_accepted: str | None = Field(
        None,
        description="Why triage did not accept a complete result (why `not_accepted`), in the engine's"
        " words: the value outside its plausible range, the unit it cannot convert, or the swapped"
        " systolic/diastolic pair",
    )
    not_accepted_code: NotAcceptedCode | None = Field(
        None,
        description="Why triage did not accept a complete result (why `not_accepted`), as a code:"
        " `implausible_value` (outside the code's plausible range), `unit_not_accepted` (a unit that"
        " cannot be used for the code, or none where another unit of the code makes the value plausible"
        " too: a unit is not guessed), `pressures_swapped` (one of a message's two pressures whose"
        " diastolic is not below its systolic), `value_not_accepted` (any other problem with the value);"
        " null for any other why, and for a result held before the code was kept (the log's migration"
        " 0023): `not_accepted` alone says why",
    )
    association_expired: ExpiredLinkOut | None = Field(
        None, description="The device's association had expired when the result arrived: which one, when"
    )
    assignable: bool = Field(
        description="False: the result can only be dismissed (unmapped, not final, timed by a wrong device"
        " clock - why `device_clock`: the gateway held it as preliminary - or a rejected correction)"
    )


class HeldList(BaseModel):
    days: int = Field(description="The window: results received in the last this many days")
    reason: review.Reason | None = Field(None, description="The reason the list was narrowed to (`?reason=`)")
    data: list[HeldOut]
    count: int = Field(description="Rows in this page")
    total: int = Field(
        description="Held results in the window, over all pages (only those held for `reason`, when given)"
    )
    next: NextPage
    by_device: dict[str, int] = Field(
        description="Held results in the window by device id (only those held for `reason`, when given)"
    )
    qc_by_device: dict[str, int] = Field(description="QC results by device id (never listed for review)")
    ignored_by_device: dict[str, int] = Field(
        description="Results in the window whose vendor code the device profile ignores (ignored_codes),"
        " by device id: stored in the inbox, never listed or counted as held"
    )


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    encounter_id: Annotated[int, JsonNumber] = Field(
        ge=1, le=MAX_ID, description="The encounter the result belongs to"
    )
    reason: str = Reason


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Reason


class AssignedOut(BaseModel):
    result_id: int
    encounter_id: int
    observation_id: int
    assessment_id: int
    disposition: Disposition
    referral_id: int | None = Field(description="A referral proposed by the new assessment, if any")


class ReviewOut(BaseModel):
    result_id: int
    state: Literal["assigned", "dismissed"]
    encounter_id: int | None
    observation_id: int | None
    reviewed_by: str
    reviewed_at: str
    reason: str


@router.get(
    "/devices/held",
    summary="Held device results waiting for a person: why each is held",
    description='`next` (and the `Link` header\'s rel="next") is the next page: the same `limit` and'
    " `days` with `before_id`, stable while results arrive; `offset` still pages, but a result held"
    " meanwhile shifts its pages by one.",
    responses=paging.paged(),
)
def list_held(
    request: Request,
    response: Response,
    db: DbDep,
    who: Reader,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    offset: paging.Offset = 0,
    days: Annotated[int, Query(ge=1, le=3650, description="Results received in the last N days")] = HELD_DAYS,
    before_id: paging.BeforeId = None,
    reason: Annotated[
        review.Reason | None,
        Query(
            description="Only results held for this reason: a `why` (`no_patient_link`, `device_clock`,"
            " `not_final`, `unmapped`, `not_accepted`, `correction_rejected`) or a `not_accepted_code`;"
            " `total` and `by_device` count those only"
        ),
    ] = None,
) -> HeldList:
    since = review.held_since(days)
    rows = []
    for item in review.held_results(db, limit, offset, since, before_id, reason):
        data = item.as_dict()
        if who.role not in CLINICAL_READ:
            data["patient_id"] = None
        rows.append(HeldOut.model_validate(data))
    following = None
    if len(rows) == limit and review.held_results(db, 1, 0, since, rows[-1].id, reason):
        following = paging.next_page(request, before_id=rows[-1].id)
    counts = review.held_count(db, since, reason)
    total = sum(counts.values())
    paging.answer(response, total, following)
    return HeldList(
        days=days,
        reason=reason,
        data=rows,
        count=len(rows),
        total=total,
        next=following,
        by_device=counts,
        qc_by_device=review.qc_counts(db),
        ignored_by_device=review.ignored_counts(db, since),
    )


@router.post(
    "/devices/results/{result_id}/assign",
    status_code=201,
    summary="Assign a held result to an encounter: stored as its observation, the encounter re-assessed",
    description=RETRIED,
)
def assign_result(
    result_id: ResultId, body: AssignIn, db: DbDep, rt: RuntimeDep, clinic: ClinicDep, who: Writer
) -> AssignedOut:
    try:
        done = held.assign(
            rt, clinic, db, result_id, body.encounter_id, actor=who.username, reason=body.reason
        )
    except ConflictError as exc:  # the same request again (its answer lost): answered as the first
        was = held.done_so(
            db, exc, result_id, ("assigned", body.encounter_id, who.username, body.reason.strip())
        )
        if was is None:
            raise
        done = held.assigned_before(rt, clinic, db, was)
    return AssignedOut(
        result_id=done.result_id,
        encounter_id=done.encounter_id,
        observation_id=done.observation_id,
        assessment_id=int(done.assessment["id"]),
        disposition=Disposition(done.assessment["disposition"]),
        referral_id=None if done.referral is None else int(done.referral["id"]),
    )


@router.post(
    "/devices/results/{result_id}/dismiss",
    summary="Dismiss a held result (test strip, wrong sample...): kept in the inbox, never used",
    description=RETRIED,
)
def dismiss_result(result_id: ResultId, body: DismissIn, db: DbDep, rt: RuntimeDep, who: Writer) -> ReviewOut:
    try:
        done = held.dismiss(rt, db, result_id, actor=who.username, reason=body.reason)
    except ConflictError as exc:  # the same request again (its answer lost): answered as the first
        was = held.done_so(db, exc, result_id, ("dismissed", None, who.username, body.reason.strip()))
        if was is None:
            raise
        done = was
    return ReviewOut.model_validate(done.__dict__)

"""Referrals: create, list, read, change status (the lifecycle is the referral log's), and review a
basis a device corrected after the referral was made (``referral.basis``: acknowledge "reviewed,
keep" with a reason, or cancel it through the status route)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from referral import basis, referrals
from referral.records import FeedbackIn, ReferralIn
from triage.assessment import Disposition
from triage.json_input import JsonBoolean, JsonNumber
from triage.service.api import etag, paging
from triage.service.api.analyst_view import StaffPseudonyms, is_analyst
from triage.service.api.created import created, locate
from triage.service.api.deps import MAX_ID, DbDep, QueryBoolean, RuntimeDep
from triage.service.api.errors import error, naming, naming_facility, said_again
from triage.service.api.idempotency import HeaderKey, keyed
from triage.service.api.json_body import JsonRoute
from triage.service.auth import (
    CLINICAL_READ,
    CLINICIAN_ONLY,
    ForbiddenError,
    Principal,
    Role,
    RoleCheck,
    allow,
)

router = APIRouter(tags=["referrals"], route_class=JsonRoute)

#: What a refused reader of the records a sync client copies is told beside the roles' names
#: (docs/service.md, Roles).
READ_ONLY_ACCOUNT = (
    "a client that only reads (a hospital or district system keeping a copy of the referrals, visits"
    " and assessments) uses the token of an analyst account, which reads them, their change feeds and"
    " facilities and writes nothing"
)


class HintedRoles(RoleCheck):
    """A role check whose refusal says, beside the roles' names, where a client refused there finds
    what it needs (``hint``)."""

    def __init__(self, roles: tuple[Role, ...], hint: str) -> None:
        super().__init__(roles)
        self.hint = hint

    async def __call__(self, request: Request) -> Principal:
        try:
            return await super().__call__(request)
        except ForbiddenError as exc:
            raise said_again(exc, f"{exc}; {self.hint}") from None


class SyncReaders(HintedRoles):
    """The readers of what a sync client copies - the referrals (the list, one referral), one
    assessment and the change feeds of referrals, visits and assessments: the clinical roles and the
    analyst, the read-only role a hospital's or district system's sync client gets its token for
    (none of these carries a patient's name or record number). An integrator's token is for device
    bridges and walk-in submission, and reads none of them: its refusal says which account such a
    client needs (it named the roles only). The analyst read the referrals and their feed only, so
    a client copying visits and assessments needed a nurse's token, which writes."""

    def __init__(self) -> None:
        super().__init__((*CLINICAL_READ, Role.analyst), READ_ONLY_ACCOUNT)


Reader = Annotated[Principal, Depends(SyncReaders())]
Clinician = Annotated[Principal, Depends(allow(*CLINICIAN_ONLY))]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Urgency = Literal["emergency", "urgent", "routine"]
Status = Literal["proposed", "sent", "accepted", "arrived", "completed", "declined", "cancelled"]


class ReferralCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assessment_id: Annotated[int, JsonNumber] = Field(ge=1, le=MAX_ID)
    to_facility: str = Field(min_length=1, max_length=64)
    urgency: Urgency
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)
    alongside_open: Annotated[bool, JsonBoolean] = Field(
        False,
        description="The encounter already has an open referral (proposed, sent, accepted or arrived) and a"
        " second one is deliberate; without it such a request is refused with 409"
        " `open_referral_exists` naming the open referral (`context.referral_id`)",
    )


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["sent", "accepted", "arrived", "completed", "declined", "cancelled"] = Field(
        description="The next status; `completed` (from arrived) carries the receiving hospital's"
        " `feedback`, as a clinician records it on the referrals page"
    )
    note: str | None = Field(
        None, max_length=2000, validate_default=True, description="Required for declined and cancelled"
    )
    feedback: FeedbackIn | None = Field(
        None,
        validate_default=True,
        description="Required for completed, and only then: the receiving hospital's answer whether the"
        " referral was needed (`justified`, which the tier-imbalance analysis reads), its `diagnosis`"
        " and a `note`, both optional",
    )

    @field_validator("feedback")
    @classmethod
    def _feedback_with_completion(
        cls, feedback: FeedbackIn | None, info: ValidationInfo
    ) -> FeedbackIn | None:
        completed = info.data.get("status") == "completed"
        if completed and feedback is None:
            raise ValueError(
                "required when the status is completed: the receiving hospital's feedback,"
                ' {"justified": true or false, "diagnosis": ..., "note": ...}'
            )
        if feedback is not None and not completed:
            raise ValueError("only recorded when the status is completed")
        return feedback

    @field_validator("note")
    @classmethod
    def _said_why(cls, note: str | None, info: ValidationInfo) -> str | None:
        # here, not only in the lifecycle, so that the 422 names the field a client must fill in
        status = info.data.get("status")
        if status in ("declined", "cancelled") and not (note or "").strip():
            raise ValueError(f"required when the status is {status}: say why the referral is {status}")
        return note


class BasisReview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1,
        max_length=2000,
        pattern=r"\S",
        description="Why the referral stands (required, audited)",
    )


class BasisChangeOut(BaseModel):
    id: int
    changed_at: str = Field(description="When the device's correction was recorded")
    code: str = Field(description="The vocabulary code of the corrected reading")
    old_value: str = Field(description="The value the referral's assessment used, e.g. '28.0 mmol/L'")
    new_value: str | None = Field(description="The value in force now; null when withdrawn")
    withdrawn: bool = Field(description="The correction was held: the reading no longer counts at all")
    disposition: Disposition = Field(description="The disposition of the re-assessment after the correction")
    less_urgent: bool = Field(description="That disposition is less urgent than the referral")
    referral_status: str = Field(description="The referral's status when the correction arrived")
    informational: bool = Field(
        description="The patient had already arrived: nothing is blocked and the referral can no longer"
        " be cancelled, but a clinician acknowledges it with a note (basis-review)"
    )
    correction_id: int
    assessment_id: int = Field(description="The re-assessment after the correction")
    open: bool = Field(description="Nobody has reviewed it yet")
    resolution: Literal["acknowledged", "cancelled", "declined", "completed"] | None
    resolved_at: str | None
    resolved_by: str | None
    resolution_reason: str | None


class FeedbackOut(BaseModel):
    justified: bool = Field(description="The receiving hospital's answer: the referral was needed")
    diagnosis: str | None = Field(
        description="The hospital's diagnosis, as recorded; null when none was given, and for the analyst"
        " (free text is not shown to it)"
    )
    note: str | None = Field(
        description="The hospital's note, as recorded; null when none was given, and for the analyst"
    )


class ReferralOut(BaseModel):
    id: int
    assessment_id: int
    encounter_id: int
    from_facility: str | None
    to_facility: str
    urgency: Urgency
    reason: str | None = Field(
        description="Why the referral was made, as written; null for the analyst (free text is not shown"
        " to it), except the reason triage wrote proposing it (`proposed by triage: <rule>; ...`: the"
        " engine's rule names)"
    )
    status: Status
    created_at: str
    created_by: str = Field(
        description="Who made it; for the analyst a pseudonym (`staff-` and 16 hex digits, the same for"
        " one account everywhere) or the service's own actor (`device-gateway`)"
    )
    updated_at: str
    sent_at: str | None = Field(description="When it was sent to the receiving facility; null until then")
    accepted_at: str | None = Field(description="When the receiving facility's acceptance was recorded")
    arrived_at: str | None = Field(description="When the patient's arrival there was recorded")
    completed_at: str | None = Field(description="When it was completed, with the hospital's `feedback`")
    declined_at: str | None = Field(description="When the receiving facility's decline was recorded")
    cancelled_at: str | None = Field(description="When it was cancelled")
    basis_review_needed: bool = Field(
        description="A device corrected a reading this referral was based on and nobody has reviewed it"
    )
    basis_changes: list[BasisChangeOut] = Field(description="Device corrections of its basis, oldest first")
    justified: bool | None = Field(
        description="The receiving hospital's answer at completion, whether the referral was needed (the"
        " tier-imbalance analysis reads it); null until the referral is completed"
    )
    feedback: FeedbackOut | None = Field(
        description="The receiving hospital's feedback recorded when the referral was completed (on the"
        " referrals page or `POST .../status` `completed`); null until then"
    )


def publish(rt: Any, row: dict[str, Any]) -> None:
    rt.hub.publish("queue", encounter_id=row["encounter_id"], referral_id=row["id"])


def referral_out(db: Any, rows: list[dict[str, Any]], who: Principal | None = None) -> list[ReferralOut]:
    """Referral rows with their basis changes (one query for all of them), as ``who`` reads them:
    the analyst without staff names and free text (:mod:`triage.service.api.analyst_view`)."""
    changes = basis.for_referrals(db, [r["id"] for r in rows])
    staff = StaffPseudonyms(db) if who is not None and is_analyst(who) else None
    found = []
    for row in rows:
        mine = [c.as_dict() for c in changes.get(int(row["id"]), [])]
        shown = row | {"basis_changes": mine, "basis_review_needed": any(c["open"] for c in mine)}
        if staff is not None:
            shown = staff.row(shown) | {"basis_changes": [staff.row(c) for c in mine]}
        found.append(ReferralOut.model_validate(shown))
    return found


@router.get(
    "/referrals",
    summary="Referrals, newest first, a page at a time",
    description="A page of at most `limit` referrals. The headers page it (the answer stays a JSON"
    " list): `X-Total-Count` is every referral that matches the filters, and `Link: <...>;"
    ' rel="next"` the next page (the same filters with `before_id`), absent on the last page.',
    responses=paging.paged(),
)
def list_referrals(
    request: Request,
    response: Response,
    db: DbDep,
    who: Reader,
    status: Status | None = None,
    basis_review_needed: Annotated[
        bool | None,
        QueryBoolean,
        Query(
            description="true: only referrals whose basis a device corrected and nobody has reviewed"
            " (the worklist of basis reviews, informational ones of arrived patients included);"
            " false: only the others; absent: all. Applied before `limit`. `true` or `false`, in lower"
            " case, as JSON writes them (True, 1, yes, on are a 422)"
        ),
    ] = None,
    encounter_id: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="Only the referrals of this visit (`GET /api/v1/encounters/{id}` names none):"
            " none of an unknown visit is an empty list. Applied before `limit`",
        ),
    ] = None,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    before_id: paging.BeforeId = None,
) -> list[ReferralOut]:
    found = referrals.list_referrals(
        db,
        status=status,
        basis_review_needed=basis_review_needed,
        encounter_id=encounter_id,
        limit=limit + 1,
        before_id=before_id,
    )
    page = found[:limit]
    more = len(found) > limit
    total = referrals.count_referrals(
        db, status=status, basis_review_needed=basis_review_needed, encounter_id=encounter_id
    )
    paging.answer(response, total, paging.next_page(request, before_id=page[-1]["id"]) if more else None)
    return referral_out(db, page, who)


@router.post(
    "/referrals",
    status_code=201,
    summary="Create a referral (status: proposed)",
    responses={
        **created("The referral was created (or returned again for its idempotency_key)"),
        409: error(
            "The encounter has an open referral (`open_referral_exists`, its id in `context.referral_id`),"
            " or the idempotency key was used for another request (`idempotency_conflict`)"
        ),
    },
)
def create_referral(
    body: ReferralCreate, response: Response, db: DbDep, rt: RuntimeDep, who: Clinician, key: HeaderKey
) -> ReferralOut:
    body = keyed(body, key)
    with naming("assessment_id"), naming_facility("to_facility"):
        row = referrals.create_referral(db, ReferralIn(**body.model_dump()), actor=who.username)
    locate(response, f"/api/v1/referrals/{row['id']}")
    publish(rt, row)
    return referral_out(db, [row])[0]


@router.get("/referrals/{referral_id}", summary="One referral")
def get_referral(referral_id: Id, db: DbDep, who: Reader) -> ReferralOut:
    return referral_out(db, [referrals.get_referral(db, referral_id)], who)[0]


def _as_read(referral_id: int) -> Callable[[Any], ReferralOut]:
    """The referral as ``GET /api/v1/referrals/{id}`` answers it (what an ``If-Match`` names)."""
    return lambda d: referral_out(d, [referrals.get_referral(d, referral_id)])[0]


@router.post(
    "/referrals/{referral_id}/status",
    summary="Move a referral along its lifecycle",
    responses={412: etag.PRECONDITION_FAILED},
)
def change_status(
    referral_id: Id,
    body: StatusChange,
    db: DbDep,
    rt: RuntimeDep,
    who: Clinician,
    if_match: etag.IfMatch = None,
) -> ReferralOut:
    row = etag.guarded(
        db,
        if_match,
        _as_read(referral_id),
        f"GET /api/v1/referrals/{referral_id}",
        lambda d: referrals.transition(
            d, referral_id, body.status, actor=who.username, note=body.note, feedback=body.feedback
        ),
    )
    publish(rt, row)
    return referral_out(db, [row])[0]


@router.post(
    "/referrals/{referral_id}/basis-review",
    summary="Reviewed, keep: a clinician keeps a referral whose basis a device corrected",
    description="Closes every open basis change of the referral at once (audit `referral.basis_reviewed`)."
    " For an arrived patient the change is for information: this is how a clinician acknowledges it,"
    " with a note (an arrived referral cannot be cancelled).",
    responses={
        409: error("The referral has no corrected basis waiting for review"),
        412: etag.PRECONDITION_FAILED,
    },
)
def review_basis(
    referral_id: Id,
    body: BasisReview,
    db: DbDep,
    rt: RuntimeDep,
    who: Clinician,
    if_match: etag.IfMatch = None,
) -> ReferralOut:
    etag.guarded(
        db,
        if_match,
        _as_read(referral_id),
        f"GET /api/v1/referrals/{referral_id}",
        lambda d: basis.acknowledge(d, referral_id, actor=who.username, reason=body.reason),
    )
    row = referrals.get_referral(db, referral_id)
    publish(rt, row)
    return referral_out(db, [row])[0]

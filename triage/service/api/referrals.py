"""Referrals: create, list, read, change status (the lifecycle is the referral log's)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from referral import referrals
from referral.records import ReferralIn
from triage.service.api.deps import DbDep, RuntimeDep
from triage.service.auth import CLINICAL_READ, CLINICIAN_ONLY, Principal, Role, allow

router = APIRouter(tags=["referrals"])

Reader = Annotated[Principal, Depends(allow(*CLINICAL_READ, Role.analyst))]
Clinician = Annotated[Principal, Depends(allow(*CLINICIAN_ONLY))]
Id = Annotated[int, Field(ge=1, le=2**62)]
Status = Literal["proposed", "sent", "accepted", "arrived", "completed", "declined", "cancelled"]


class ReferralCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assessment_id: int = Field(ge=1, le=2**62)
    to_facility: str = Field(min_length=1, max_length=64)
    urgency: Literal["emergency", "urgent", "routine"]
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["sent", "accepted", "arrived", "declined", "cancelled"] = Field(
        description="Completion is reported by the receiving hospital with feedback (CLI/import)"
    )
    note: str | None = Field(None, max_length=2000, description="Required for declined and cancelled")


class ReferralOut(BaseModel):
    id: int
    assessment_id: int
    encounter_id: int
    from_facility: str | None
    to_facility: str
    urgency: str
    reason: str
    status: str
    created_at: str
    created_by: str
    updated_at: str


def publish(rt: Any, row: dict[str, Any]) -> None:
    rt.hub.publish("queue", encounter_id=row["encounter_id"], referral_id=row["id"])


@router.get("/referrals", summary="Referrals, newest first")
def list_referrals(
    db: DbDep,
    _: Reader,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ReferralOut]:
    return [ReferralOut.model_validate(r) for r in referrals.list_referrals(db, status=status, limit=limit)]


@router.post("/referrals", status_code=201, summary="Create a referral (status: proposed)")
def create_referral(body: ReferralCreate, db: DbDep, rt: RuntimeDep, who: Clinician) -> ReferralOut:
    row = referrals.create_referral(db, ReferralIn(**body.model_dump()), actor=who.username)
    publish(rt, row)
    return ReferralOut.model_validate(row)


@router.get("/referrals/{referral_id}", summary="One referral")
def get_referral(referral_id: Id, db: DbDep, _: Reader) -> ReferralOut:
    return ReferralOut.model_validate(referrals.get_referral(db, referral_id))


@router.post("/referrals/{referral_id}/status", summary="Move a referral along its lifecycle")
def change_status(
    referral_id: Id, body: StatusChange, db: DbDep, rt: RuntimeDep, who: Clinician
) -> ReferralOut:
    row = referrals.transition(db, referral_id, body.status, actor=who.username, note=body.note)
    publish(rt, row)
    return ReferralOut.model_validate(row)

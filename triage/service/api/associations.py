"""Device association: attach a bedside device (pulse oximeter) to a patient's encounter.

While attached, and at most until the association expires (``expires_at``), results from the
device that carry no patient id are linked to that patient and fed to triage; results with their
own patient id are never re-linked. Nurses, clinicians and
admins attach and detach; integrators may read (without the patient's record number).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from referral import store
from referral.associations import Association
from triage.json_input import JsonBoolean, JsonNumber
from triage.service import associations as attaching
from triage.service.api import paging
from triage.service.api.deps import MAX_ID, DbDep, RuntimeDep
from triage.service.api.errors import naming
from triage.service.api.json_body import JsonRoute
from triage.service.auth import CLINICAL_READ, CLINICAL_WRITE, Principal, Role, allow

router = APIRouter(tags=["devices"], route_class=JsonRoute)

Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
Reader = Annotated[Principal, Depends(allow(*CLINICAL_WRITE, Role.integrator))]
DeviceId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        # (the demo's oximeter, triage.service.demo.OXIMETER_ID: Try it out works on `triage demo`)
        description="The device id of its profile (`device_id`), e.g. `demo-oximeter`",
        examples=["demo-oximeter"],
    ),
]


class AssociationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    encounter_id: Annotated[int, JsonNumber] = Field(
        ge=1, le=MAX_ID, description="The patient's open encounter"
    )
    replace: Annotated[bool, JsonBoolean] = Field(
        False,
        description="If the device is attached to another encounter, end that association"
        " (reason 'replaced') instead of answering 409",
    )


class AssociationOut(BaseModel):
    id: int
    device_id: str
    encounter_id: int
    patient_id: int
    mrn: str | None = Field(description="The patient's record number; null for integrators")
    started_at: str
    started_by: str
    expires_at: str | None = Field(
        description="Results received from this time on are not linked (started_at + the clinic's"
        " maximum, setting device_associations.max_duration_s); null only for associations ended"
        " before expiry existed"
    )
    ended_at: str | None
    ended_by: str | None
    end_reason: str | None = Field(description="Why it ended: the detach reason, 'replaced' or 'expired'")
    active: bool


class AssociationList(BaseModel):
    data: list[AssociationOut]
    count: int = Field(description="Rows in this answer")
    total: int = Field(description="The same: the list is never cut (as `total` of the paged lists)")
    next: paging.NextPage


def association_out(association: Association, who: Principal) -> AssociationOut:
    data = association.as_dict()
    if who.role not in CLINICAL_READ:
        data["mrn"] = None  # integrators see which encounter a device serves, not who the patient is
    return AssociationOut.model_validate(data)


@router.get(
    "/devices/associations",
    summary="Devices attached to a patient's encounter now, each with its expiry (expired ones are ended first)",
    responses=paging.counted(),
)
def list_associations(response: Response, db: DbDep, rt: RuntimeDep, who: Reader) -> AssociationList:
    rows = [association_out(a, who) for a in attaching.attached_by_device(rt, db).values()]
    paging.answer(response, len(rows))
    return AssociationList(data=rows, count=len(rows), total=len(rows), next=None)


@router.post(
    "/devices/{device_id}/association",
    status_code=201,
    summary="Attach a device to an encounter: its results without a patient id go to that patient",
)
def attach_device(
    device_id: DeviceId, body: AssociationCreate, db: DbDep, rt: RuntimeDep, who: Writer
) -> AssociationOut:
    with naming("encounter_id"):
        store.get_encounter(db, body.encounter_id)
    association = attaching.attach(
        rt, db, device_id, body.encounter_id, actor=who.username, replace=body.replace
    )
    return association_out(association, who)


@router.delete(
    "/devices/{device_id}/association",
    summary="Detach a device: its later results without a patient id are held for review",
)
def detach_device(
    device_id: DeviceId,
    db: DbDep,
    rt: RuntimeDep,
    who: Writer,
    reason: Annotated[
        str,
        Query(min_length=1, max_length=2000, pattern=r"\S", description="Why (required, audited)"),
    ],
) -> AssociationOut:
    return association_out(attaching.detach(rt, db, device_id, actor=who.username, reason=reason), who)

"""Facilities, device status, staff accounts and API tokens."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from referral import facilities
from referral.errors import ConflictError
from referral.records import FacilityIn
from referral.transactions import write
from referral.users import account_name
from triage.errors import json_text
from triage.json_input import IsoDate, JsonBoolean, JsonNumber
from triage.service.api import etag, paging
from triage.service.api.created import created, locate
from triage.service.api.deps import DbDep, RuntimeDep
from triage.service.api.errors import naming
from triage.service.api.json_body import JsonRoute
from triage.service.auth import ALL_ROLES, Principal, Role, allow, device_status_for

router = APIRouter(tags=["admin"], route_class=JsonRoute)

Anyone = Annotated[Principal, Depends(allow(*ALL_ROLES))]
Admin = Annotated[Principal, Depends(allow(Role.admin))]
DeviceReader = Annotated[Principal, Depends(allow(Role.clinician, Role.nurse, Role.integrator, Role.admin))]


class FacilityPut(FacilityIn):
    """A directory entry as the API reads it, strictly (``triage.json_input``): ``lon``, ``lat``,
    ``beds``, ``capacity`` JSON numbers, ``synthetic`` true or false, ``digital_triage_start`` an
    ISO date as text. (A CSV import reads ``FacilityIn``, where every value is text.)"""

    @field_validator("lon", "lat", "beds", "capacity", mode="before")
    @classmethod
    def _json_number(cls, value: object) -> object:
        return JsonNumber.func(value)  # type: ignore[call-arg]

    @field_validator("synthetic", mode="before")
    @classmethod
    def _json_boolean(cls, value: object) -> object:
        return JsonBoolean.func(value)  # type: ignore[call-arg]

    @field_validator("digital_triage_start", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        return IsoDate.func(value)  # type: ignore[call-arg]


class FacilityOut(BaseModel):
    id: str
    name: str
    tier: str
    region_code: str
    lon: float
    lat: float
    beds: int
    capacity: int
    digital_triage_start: str | None = Field(
        None, description="When the facility began digital triage (ISO date); null: not recorded"
    )
    synthetic: bool


class DeviceStatus(BaseModel):
    device: str
    protocol: str | None = None
    port: str | None = None
    link_up: bool
    last_result_at: str | None = None
    results: int = 0
    errors: int = 0
    last_error: str | None = None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(
        min_length=2,
        max_length=64,
        description="2-64 characters from a-z, 0-9, '.', '_' and '-', stored in lower case (`Nurse2` is"
        " nurse2, full-width letters and digits as their ASCII)",
    )
    password: str = Field(min_length=10, max_length=200)
    role: Role
    language: Literal["en", "zh"] | None = Field(
        None,
        description="The language of the account's pages; absent or null: the clinic's `service.default_language`",
    )


class UserOut(BaseModel):
    username: str
    role: str
    language: str
    disabled: bool


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64)
    label: str = Field(min_length=1, max_length=200, pattern=r"\S")
    expires_in_days: int | None = Field(
        None,
        ge=1,
        le=3650,
        description="Days the token works (1 .. 3650); null or absent: the settings'"
        " `service.token_max_age_days` (365 unless set)",
    )


class TokenRevoke(BaseModel):
    """The token itself, or its ``id`` as ``GET /api/v1/tokens`` lists it (one of the two)."""

    model_config = ConfigDict(extra="forbid")
    token: str | None = Field(
        None, min_length=1, max_length=200, description="The API token to revoke (ctk_...)"
    )
    id: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{12}$",
        description="Or its `id` from GET /api/v1/tokens (12 hex digits): a token the administrator"
        " does not hold (a lost device bridge's, one that leaked elsewhere)",
    )

    @model_validator(mode="after")
    def _one_of_them(self) -> TokenRevoke:
        if (self.token is None) == (self.id is None):
            raise ValueError("give the token (ctk_...) or its id from GET /api/v1/tokens, one of the two")
        return self


class TokenRevoked(BaseModel):
    revoked: bool = True


class TokenOut(BaseModel):
    username: str
    label: str
    token: str = Field(description="Shown once; only its SHA-256 is stored")
    expires_at: str | None = Field(description="When it stops working (ISO 8601 UTC)")


class TokenListed(BaseModel):
    """An API token as the listing shows it: never the token, nor its whole SHA-256."""

    id: str = Field(description="The first 12 hex digits of the token's SHA-256 (its audit entries name 8)")
    username: str
    role: str = Field(description="The role of its account now")
    label: str
    created_at: str
    last_used_at: str | None = Field(description="Its last use, to the minute; null: never used")
    expires_at: str | None = Field(
        description="When it stops working; null: issued before tokens expired (2026-12-06), works until revoked"
    )
    revoked_at: str | None
    state: Literal["live", "expired", "revoked", "disabled"] = Field(
        description="`disabled`: its account is disabled (refused; works again if enabled)"
    )


class TokenList(BaseModel):
    data: list[TokenListed]
    total: int = Field(description="Tokens listed: the list is never cut (as `total` of the paged lists)")
    next: paging.NextPage


@router.get("/facilities", summary="The facility directory", responses=paging.counted())
def list_facilities(
    response: Response, db: DbDep, _: Anyone, tier: Literal["primary", "secondary", "tertiary"] | None = None
) -> list[FacilityOut]:
    return paging.whole(response, [FacilityOut.model_validate(f) for f in facilities.list_all(db, tier)])


@router.get("/facilities/{facility_id}", summary="One facility of the directory")
def get_facility(facility_id: str, db: DbDep, _: Anyone) -> FacilityOut:
    return FacilityOut.model_validate(facilities.get_or_404(db, facility_id))


@router.put(
    "/facilities/{facility_id}",
    summary="Add a facility (201) or replace it (200)",
    responses={
        200: {"description": "The facility was in the directory: replaced by the body"},
        201: created("The facility was added to the directory")[201] | {"model": FacilityOut},
        412: etag.PRECONDITION_FAILED,
    },
)
def put_facility(
    facility_id: str,
    body: FacilityPut,
    response: Response,
    db: DbDep,
    who: Admin,
    if_match: etag.IfMatch = None,
    if_none_match: etag.IfNoneMatchOnWrite = None,
) -> FacilityOut:
    """201 with ``Location`` when the directory had no facility with this id (RFC 9110 9.3.4), 200
    when the body replaced one; audited ``facility.create`` or ``facility.update``. With
    ``If-Match``, only while the entry is the one that tag was read from; with ``If-None-Match: *``
    only when there is none (both checked in the write)."""
    if body.id != facility_id:
        from triage.errors import UserInputError

        raise UserInputError(
            f"id: the body's id {json_text(body.id)} differs from the path's {json_text(facility_id)}"
        )

    def put(d: Any) -> bool:
        existing = facilities.get(d, facility_id)
        here = None if existing is None else FacilityOut.model_validate(existing)
        etag.require(if_match, here, f"GET /api/v1/facilities/{facility_id}")
        etag.require_absent(if_none_match, here, f"GET /api/v1/facilities/{facility_id}")
        facilities.upsert(d, body, actor=who.username, reason="facility directory edit")
        return existing is not None

    if not write(db, put):
        response.status_code = 201
        locate(response, f"/api/v1/facilities/{facility_id}")
    stored = FacilityOut.model_validate(facilities.get_or_404(db, facility_id))
    response.headers["ETag"] = etag.of(stored)
    return stored


@router.get(
    "/devices", summary="Device links: up/down, last result, error counts", responses=paging.counted()
)
def device_status(response: Response, rt: RuntimeDep, who: DeviceReader) -> list[DeviceStatus]:
    """How each device is connected (``protocol``, ``port``), its counts and ``last_error`` only
    for the roles that administer devices; null or 0 for clinicians and nurses."""
    rows: list[dict[str, Any]] = rt.device_status()
    return paging.whole(response, [DeviceStatus.model_validate(device_status_for(who.role, r)) for r in rows])


@router.get("/users", summary="Staff accounts", responses=paging.counted())
def list_users(response: Response, rt: RuntimeDep, _: Admin) -> list[UserOut]:
    return paging.whole(response, [UserOut.model_validate(a.public()) for a in rt.accounts.list()])


@router.post("/users", status_code=201, summary="Create a staff account")
def create_user(body: UserCreate, rt: RuntimeDep, who: Admin) -> UserOut:
    """A user name already taken is a 409 naming ``username``."""
    with naming("username", ConflictError):
        account = rt.accounts.create(
            body.username,
            body.password,
            body.role,
            body.language or rt.settings.service.default_language,  # (it was always "zh")
            actor=who.username,
        )
    return UserOut.model_validate(account.public())


@router.get(
    "/tokens",
    summary="API tokens: owner, role, label, created, last used, expiry",
    responses=paging.counted(),
)
def list_tokens(response: Response, rt: RuntimeDep, _: Admin) -> TokenList:
    """Every token issued, oldest first, with its state; never the token itself."""
    rows = paging.whole(response, [TokenListed.model_validate(t) for t in rt.accounts.tokens()])
    return TokenList(data=rows, total=len(rows), next=None)


@router.post("/tokens", status_code=201, summary="Issue an API token for an account (shown once)")
def create_token(body: TokenCreate, rt: RuntimeDep, who: Admin) -> TokenOut:
    """It works for ``expires_in_days`` (default ``service.token_max_age_days``), then is refused
    (401 saying it expired); audited ``token.create`` with its expiry."""
    with naming("username"):
        token = rt.accounts.issue_token(
            body.username, body.label, actor=who.username, days=body.expires_in_days
        )
    expires = rt.accounts.expiry_of(token)
    return TokenOut(username=account_name(body.username), label=body.label, token=token, expires_at=expires)


@router.post("/users/{username}/disable", summary="Disable a staff account (logged out, tokens refused)")
def disable_user(username: str, rt: RuntimeDep, who: Admin) -> UserOut:
    """The account's sessions end and its API tokens are refused from the next request on (a
    member of staff who left, a lost device bridge's account); audited ``user.disable``. Not your
    own account: another administrator disables it."""
    return UserOut.model_validate(rt.accounts.set_disabled(username, True, actor=who.username).public())


@router.post("/users/{username}/enable", summary="Enable a disabled staff account again")
def enable_user(username: str, rt: RuntimeDep, who: Admin) -> UserOut:
    """It may log in again, and its tokens not revoked work again; audited ``user.enable``."""
    return UserOut.model_validate(rt.accounts.set_disabled(username, False, actor=who.username).public())


@router.post("/tokens/revoke", summary="Revoke an API token")
def revoke_token(body: TokenRevoke, rt: RuntimeDep, who: Admin) -> TokenRevoked:
    """The token is refused from its next request on (401 ``not_authenticated``, its
    ``WWW-Authenticate`` saying ``error="invalid_token"``); audited
    ``token.revoke``. A token not known, or already revoked, is a 404."""
    if body.id is not None:
        rt.accounts.revoke_token_id(body.id, actor=who.username)
    else:
        rt.accounts.revoke_token(body.token or "", actor=who.username)
    return TokenRevoked()

"""The API's one error shape, as the OpenAPI document describes it (``triage.service.app.error_body``
writes it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """The one error shape of every API response that is not a success."""

    ok: bool = Field(description="Always false")
    error: str = Field(description="What went wrong and where: the field's path and the value sent")
    code: str = Field(
        description="Stable machine code, e.g. invalid_input, not_found, idempotency_conflict",
        examples=["invalid_input"],
    )
    status: int = Field(description="The HTTP status again")
    context: dict[str, Any] | None = Field(
        None,
        description="Present when the error carries values a program can act on, e.g. the open"
        " referral's referral_id with open_referral_exists",
    )


def error(description: str) -> dict[str, Any]:
    """A response of a route's ``responses`` in the error shape: a route's own entry replaces the
    router's (``api.ERRORS``) whole, so one with a description only dropped the body's schema."""
    return {"model": ErrorOut, "description": description}

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


#: How long a client should wait before it sends a request answered 503 again (``Retry-After``,
#: RFC 9110 10.2.3), by the answer's ``code``: a retrying HTTP client waits that long instead of
#: its own guess. Short for what passes by itself, a minute for what needs someone to act.
RETRY_AFTER_S: dict[str, int] = {
    "database_busy": 1,  # another writer held the log past the write's own waits
    "dependency_missing": 5,  # the triage engine or the writer is still starting (models loading)
    "writer_unavailable": 5,  # the primary process ended mid-request; resend with the same key
}
#: storage_error (disk full, read-only, damaged) and schema_too_new (a newer version's log).
RETRY_AFTER_OTHERWISE_S = 60

RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again (RFC 9110 10.2.3): 1 when"
        " the database stayed busy, 5 while the service starts or its writer restarts, 60 when"
        " the disk or the log needs someone to act",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def retry_after(code: str) -> str:
    """The ``Retry-After`` value of a 503 answer with this ``code``."""
    return str(RETRY_AFTER_S.get(code, RETRY_AFTER_OTHERWISE_S))


def unavailable(description: str) -> dict[str, Any]:
    """The 503 response of a route (:func:`error`), with its ``Retry-After`` header declared."""
    return error(description) | {"headers": RETRY_AFTER}

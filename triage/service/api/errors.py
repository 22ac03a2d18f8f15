"""The API's one error shape, as the OpenAPI document describes it (:func:`error_body` writes it)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, Field

from referral.errors import ClinicError, NotFoundError, UnknownFacilityError


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
    fields: list[str] | None = Field(
        None,
        description="Where the refused input is, each as the message names it: a body's field"
        " (`reason`, `observations[3]`, `patient.birth_date`), a query parameter (`query.after`), a"
        " header (`header.Idempotency-Key`), or"
        " `body` for the body as a whole, `query` for a query parameter whose name is no name; in the"
        " message's order. Absent when the error is about no"
        " input (an unknown record, a role, a transition)",
        examples=[["observations[3]"]],
    )


#: ``<where>: <what>``: how every message about an input begins (``triage.service.app.field_path``).
_WHERE = re.compile(r"header\.[A-Za-z0-9-]+|[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*")


def fields_in(message: str) -> list[str]:
    """The input locations an error message names, in its order: the path before ``": "`` of
    each of its ``"; "``-joined parts, or each of the paths it lists there (``observations[0].value,
    observations[1].value: dbp 120 mmHg is not below sbp 80 mmHg``: a swapped pair names both; it
    named none, so a client marked neither). A part that is the tail of the sentence before it -
    ``send the JSON ...`` - names none."""
    found: list[str] = []
    for part in message.split("; "):
        where, colon, _ = part.partition(": ")
        named = where.split(", ")
        if colon and all(_WHERE.fullmatch(path) for path in named):
            found += [path for path in named if path not in found]
    return found


def error_body(
    message: str, code: str, status: int, context: dict[str, object] | None = None
) -> dict[str, object]:
    """The JSON error: the English message and the stable ``code``; ``context`` (when the error
    carries values, e.g. the open referral's ``referral_id``) for programs to act on; ``fields``
    the input locations the message names (:func:`fields_in`)."""
    body: dict[str, object] = {"ok": False, "error": message, "code": code, "status": status}
    where = fields_in(message) if status < 500 else []  # (ErrorOut.fields)
    return body | ({"context": context} if context else {}) | ({"fields": where} if where else {})


@contextmanager
def naming(field: str, kind: type[ClinicError] = NotFoundError) -> Iterator[None]:
    """A record the body names in ``field`` (an ``assessment_id``, an ``mrn``) that is not stored:
    the 404 names that field (``assessment_id: assessment 999 not found``, ``fields``), so a client
    tells it from a 404 about the path's own record, which names none. ``kind``
    :class:`ConflictError`: a value of ``field`` another record holds (a user name taken), the 409
    naming it (``username: user "nurse" already exists``)."""
    try:
        yield
    except kind as exc:
        if type(exc) is not kind:  # its own kind (unknown_facility: a 422) stays as it is
            raise
        said = str(exc)
        said = said.split(": ", 1)[1] if fields_in(said) else said  # ("encounter: no patient ...")
        raise said_again(exc, f"{field}: {said}") from exc


@contextmanager
def naming_facility(field: str) -> Iterator[None]:
    """A facility the body names in ``field`` that is not in the directory (``referral to_facility
    "x" is not in the facility directory ...``): the 422 ``unknown_facility`` names the field
    (``to_facility: "x" is not ...``). One the body does not name (the clinic's own) stays as it is."""
    try:
        yield
    except UnknownFacilityError as exc:
        lead = f"referral {field} "
        if not str(exc).startswith(lead):
            raise
        raise said_again(exc, f"{field}: {str(exc)[len(lead) :]}") from exc


def said_again(exc: ClinicError, message: str) -> ClinicError:
    """``exc`` with another message: the same kind, code, page message key and values."""
    again = copy.copy(exc)
    again.args = (message,)
    return again


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

"""Conditional GETs for the API's clients that poll (a dashboard reading the queue, an EMR reading
the referrals or a patient's visits every minute): every ``200`` answer to a ``GET`` (and ``HEAD``)
under ``/api/v1`` carries an ``ETag`` (RFC 9110 8.8.3) - a digest of the answer's bytes - and a
request whose ``If-None-Match`` names it is answered ``304 Not Modified`` without the body.

The tag is of the bytes the caller would get, so it changes with anything that changes them: a new
row, another page, another role's view (integrators see no patient ids). The service still reads
the log to answer; what a poll saves is the transfer and the client's parsing. Answers keep
``Cache-Control: no-store`` (patient data is kept in no cache): the client holds the tag itself.

An update (``PUT /api/v1/facilities/{id}``, a referral's status or basis review, a patient's
correction) takes the tag the record was read with as ``If-Match`` (:func:`require`, :func:`guarded`): a client whose copy is out of date is a 412 ``precondition_failed``,
nothing written, instead of replacing another client's edit without a word (the lost update).
A value that is no entity tag - the tag with its double quotes taken off, as many clients store it,
or an empty header - is a 422 naming the header (:func:`entity_tags`): it was that 412, "it changed
since it was read; read it again", which the client obeyed, sending the same bare tag, for ever.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Header, Request, Response
from pydantic import BaseModel
from sqlite_utils import Database

from referral.transactions import write
from triage.errors import ClinicError, UserInputError
from triage.service.api.errors import ErrorOut

T = TypeVar("T")

#: Headers a 304 repeats from the 200 it stands for (RFC 9110 15.4.5), the paging ones included.
_KEPT = ("etag", "x-total-count", "link")


def tag(body: bytes) -> str:
    """The strong entity tag of an answer's bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def matches(if_none_match: str, current: str) -> bool:
    """``If-None-Match`` names ``current`` (RFC 9110 13.1.2: weak comparison, ``*`` matches any)."""
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == current:
            return True
    return False


def conditional(request: Request, response: Response) -> Response:
    """``response`` with its ``ETag``, or a ``304`` when the request's ``If-None-Match`` names it;
    only for a ``200`` to a ``GET`` or ``HEAD`` whose bytes are at hand (not a stream)."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    body = getattr(response, "body", None)
    if not isinstance(body, bytes):
        return response
    response.headers["ETag"] = current = tag(body)
    asked = request.headers.get("if-none-match")
    if asked is None or not matches(asked, current):
        return response
    kept = {name: response.headers[name] for name in _KEPT if name in response.headers}
    return Response(status_code=304, headers=kept)


ETAG_HEADER: dict[str, Any] = {
    "ETag": {
        "description": "The answer's entity tag: send it as `If-None-Match` to be answered 304 while"
        " the answer is the same",
        "schema": {"type": "string"},
    }
}

IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` of an earlier answer: 304 Not Modified, without a body, while the"
    " answer would be the same",
    "schema": {"type": "string"},
}

NOT_MODIFIED: dict[str, Any] = {
    "description": "Not Modified: the answer is the one whose `ETag` the request's `If-None-Match`"
    " named (no body)",
    "headers": ETAG_HEADER,
}


def declare(operation: dict[str, Any]) -> None:
    """Declare the ``ETag``, ``If-None-Match`` and the ``304`` on a GET operation of the document."""
    responses = operation.setdefault("responses", {})
    if "200" not in responses or "304" in responses:  # (the document is built once, then cached)
        return
    responses["200"]["headers"] = {**responses["200"].get("headers", {}), **ETAG_HEADER}
    responses["304"] = NOT_MODIFIED
    operation["parameters"] = [*operation.get("parameters", []), IF_NONE_MATCH]


#: An entity tag (RFC 9110 8.8.3): ``"..."`` or ``W/"..."``, the quotes part of it.
_ENTITY_TAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"')
_TAG_SAID = (
    "an entity tag is in double quotes, as the ETag header of a GET gave it (the quotes are part of"
    ' it: "0d76aa98..."), or * for any; send it so, or leave the header out'
)


def entity_tags(value: str, header: str) -> list[str]:
    """The entity tags an ``If-Match`` or ``If-None-Match`` lists (``["*"]`` for ``*``); a 422
    naming ``header`` when it lists none or holds anything else (RFC 9110 13.1.1, 13.1.2)."""
    if not value.strip():
        raise UserInputError(f"header.{header}: is empty; {_TAG_SAID}")
    named = [candidate.strip() for candidate in value.split(",") if candidate.strip()]
    if not named:
        raise UserInputError(f"header.{header}: names no entity tag; {_TAG_SAID}")
    if named == ["*"]:
        return named
    for candidate in named:
        if not _ENTITY_TAG.fullmatch(candidate):
            raise UserInputError(f"header.{header}: {candidate} is not an entity tag; {_TAG_SAID}")
    return named


class PreconditionFailedError(ClinicError):
    """An update's ``If-Match`` does not name the record's representation now (RFC 9110 13.1.1)."""

    status_hint, exit_code, code = 412, 1, "precondition_failed"


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The `ETag` of the record as the client read it (a `GET`): the update is made only"
        " while the record is still that one, else 412 `precondition_failed` naming the tag now and"
        " nothing is written (`*`: any, while the record exists). Strong comparison: a weak `W/` tag"
        " never matches. A value that is no entity tag (the tag without its double quotes, an empty"
        " header) is a 422 naming the header",
    ),
]

IfNoneMatchOnWrite = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        description="`*`: add the record only when there is none (a second client adding the same"
        " one is answered 412 `precondition_failed`, nothing replaced); or ETags: not while the"
        " record is one of them (RFC 9110 13.1.2). A value that is no entity tag is a 422 naming the"
        " header",
    ),
]

PRECONDITION_FAILED = {
    "model": ErrorOut,
    "description": "`precondition_failed`: the request's `If-Match` does not name the record as it is"
    " now (it changed since it was read, or it is not there); its `ETag` now in `context.etag`",
}


def require_absent(if_none_match: str | None, current: BaseModel | None, read_at: str) -> None:
    """Refuse a write (412) whose ``If-None-Match`` matches ``current``: ``*`` while it exists, or
    its tag listed (RFC 9110 13.1.2: weak comparison); ``read_at`` is where the record is read."""
    if if_none_match is None:
        return
    entity_tags(if_none_match, "If-None-Match")
    if current is None:
        return
    now = of(current)
    if not matches(if_none_match, now):
        return
    path = read_at.split(" ")[-1]
    if if_none_match.strip() == "*":
        raise PreconditionFailedError(
            f"header.If-None-Match: * adds the entry only when there is none, and {path} is there"
            f" (ETag {now}); read it ({read_at}) and send its ETag as If-Match to replace it",
            params={"etag": now},
        )
    raise PreconditionFailedError(
        f"header.If-None-Match: {if_none_match.strip()} names the entry's ETag now ({now}): nothing was"
        " written",
        params={"etag": now},
    )


def guarded(
    db: Database,
    if_match: str | None,
    current: Callable[[Database], BaseModel | None],
    read_at: str,
    work: Callable[[Database], T],
) -> T:
    """``work(db)``, with ``If-Match`` checked against the record as ``current`` reads it in the same
    write transaction (``work``'s own write joins it), so no other change lands in between."""
    if if_match is None:
        return work(db)

    def checked(d: Database) -> T:
        require(if_match, current(d), read_at)
        return work(d)

    return write(db, checked)


def of(model: BaseModel) -> str:
    """The ``ETag`` a ``GET`` answers for ``model`` (the tag of its JSON bytes)."""
    return tag(model.model_dump_json().encode())


def require(if_match: str | None, current: BaseModel | None, read_at: str) -> None:
    """Refuse the update (412) unless ``If-Match`` is absent or names ``current``'s tag (RFC 9110
    13.1.1: strong comparison; ``*`` matches any representation there is); ``read_at`` is where a
    client reads the record again."""
    if if_match is None:
        return
    named = entity_tags(if_match, "If-Match")
    now = None if current is None else of(current)
    if now is not None and ("*" in named or now in named):
        return
    if now is None:
        raise PreconditionFailedError(
            f"header.If-Match: {if_match.strip()} names no record: there is none at {read_at.split(' ')[-1]}"
        )
    raise PreconditionFailedError(
        f"header.If-Match: {if_match.strip()} is not the record's ETag now ({now}): it changed since it"
        f" was read; read it again ({read_at}) and send its ETag",
        params={"etag": now},
    )

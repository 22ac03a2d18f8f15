"""Conditional GETs for the API's clients that poll (a dashboard reading the queue, an EMR reading
the referrals or a patient's visits every minute): every ``200`` answer to a ``GET`` (and ``HEAD``)
under ``/api/v1`` carries an ``ETag`` (RFC 9110 8.8.3) - a digest of the answer's bytes - and a
request whose ``If-None-Match`` names it is answered ``304 Not Modified`` without the body.

The tag is of the bytes the caller would get, so it changes with anything that changes them: a new
row, another page, another role's view (integrators see no patient ids). The service still reads
the log to answer; what a poll saves is the transfer and the client's parsing. Answers keep
``Cache-Control: no-store`` (patient data is kept in no cache): the client holds the tag itself.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, Response

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

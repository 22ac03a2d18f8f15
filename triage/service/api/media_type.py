"""The media type of a request body: the API's routes that take a body take JSON only.

A body sent with another ``Content-Type`` - ``text/plain``, a form (``curl -d`` sends
``application/x-www-form-urlencoded`` unless told otherwise), ``multipart/form-data`` - or with
none is a 415 ``unsupported_media_type`` naming ``header.Content-Type``, with ``Accept:
application/json`` saying what is taken (RFC 9110 15.5.16). It was a 422 ``invalid_input`` ("body:
not read as JSON"), the status of JSON whose values are wrong, so a client could not tell a wrong
request header from a wrong field. What is read as JSON is what FastAPI reads as JSON:
``application/json`` and any ``application/*+json``, with or without parameters. A body in a content
coding (``Content-Encoding: gzip``) is a 415 ``unsupported_content_encoding`` with ``Accept-Encoding:
identity``: the service reads bodies as they are sent."""

from __future__ import annotations

import email.message

from starlette.exceptions import HTTPException

from triage.service.api.charset import WHERE

#: The media type a body is taken in (the ``Accept`` of a 415).
TAKEN = "application/json"


class UnsupportedMediaType(HTTPException):
    """A 415 whose error ``code`` is ``unsupported_media_type`` (``triage.service.app.http_error``
    reads ``code``; a 415 without one is a charset's, ``unsupported_charset``)."""

    code = "unsupported_media_type"


class UnsupportedContentEncoding(UnsupportedMediaType):
    """A 415 for a body in a content coding the service does not undo (``Content-Encoding``)."""

    code = "unsupported_content_encoding"


def require_identity(content_encoding: str | None, method: str, path: str) -> None:
    """A 415 :class:`UnsupportedContentEncoding` unless the body is sent as it is (no
    ``Content-Encoding``, or ``identity``), with ``Accept-Encoding: identity`` (RFC 9110 15.5.16,
    12.5.3): a gzip body was read as the JSON's own bytes - a 400 "not UTF-8 (byte 0x8b ...)" that
    sent the integrator to the charset - and one in a coding whose bytes read as JSON was stored."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    if all(coding == "identity" for coding in codings):
        return
    raise UnsupportedContentEncoding(
        415,
        f"header.Content-Encoding: {(content_encoding or '').strip()[:100]} is not undone here; send"
        f" the body uncompressed, without Content-Encoding ({method} {path} takes it as it is)",
        headers={"Accept-Encoding": "identity"},
    )


def is_json(content_type: str) -> bool:
    """Whether a body of ``content_type`` is read as JSON (as FastAPI decides it)."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def require_json(content_type: str | None, method: str, path: str) -> None:
    """A 415 :class:`UnsupportedMediaType` unless ``content_type`` is JSON's."""
    kind = (content_type or "").split(";")[0].strip()
    if kind and is_json(content_type or ""):
        return
    said = f"{kind[:100]} is not JSON" if kind else "none was sent"
    raise UnsupportedMediaType(
        415,
        f"{WHERE}: {said}; send the body as JSON with Content-Type: {TAKEN} ({method} {path} takes"
        " JSON only)",
        headers={"Accept": TAKEN},
    )

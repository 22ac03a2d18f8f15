"""The ``Idempotency-Key`` request header (IETF draft-ietf-httpapi-idempotency-key-header), taken on
every creation that takes a body's ``idempotency_key`` - a walk-in, an encounter, an encounter's
assessment, a referral - as the same key: a client (or an HTTP library, a gateway) that retries a
timed-out POST with the header is answered the stored record, as with the body's field. A walk-in
retried with neither joined the visit already open and was assessed again over its readings sent
twice; nothing in such a request tells a retry from a second measurement, so it still does.
Readings (``POST /api/v1/encounters/{id}/observations``) take the header only - their body is an
array - and a retry is answered the ids stored the first time (``referral.observation_requests``).

The draft writes the key as a Structured Field String (RFC 8941 3.3.3): ``Idempotency-Key:
"8e03978e-40d5"``; most clients send it bare (``Idempotency-Key: 8e03978e-40d5``), and both are
the same key - a bare one holds no quote, backslash or space, so nothing is guessed. A key the
header and the body both carry must be the same; the header given twice, empty, longer than the
body's 200 characters, or not printable ASCII (RFC 8941 strings are) is a 422 naming
``header.Idempotency-Key``.

A key is kept at least ``[service] idempotency_retention_s`` (24 hours unless set), then forgotten
(``referral.idempotency_keys``): the primary process purges the expired keys when the log opens and
every hour after (:func:`purge_forever`), in a thread and in short batches, so requests take turns
with it. A request sent with a forgotten key is a new request."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from typing import Annotated, Any, Protocol, Self, TypeVar

from fastapi import Depends, Header, Request
from starlette.exceptions import HTTPException

from referral.idempotency_keys import PurgeReport, purge
from triage.service.runtime import Runtime

log = logging.getLogger("triage.service")
#: How often the primary forgets the keys whose retention ended (and once when the log opens).
PURGE_EVERY_S = 3600.0
#: The pause between two batches of a purge: the requests' writes take the log first.
BATCH_PAUSE_S = 0.05

NAME = "Idempotency-Key"
WHERE = f"header.{NAME}"
MAX_KEY = 200
#: The writes that take a key (the header or the body's ``idempotency_key``), as a refusal lists them.
KEYED = (
    "POST /api/v1/assessments, /api/v1/encounters, /api/v1/encounters/{id}/assessments,"
    " /api/v1/encounters/{id}/observations (the header only), /api/v1/assessments/{id}/overrides"
    " and /api/v1/referrals"
)
_QUOTED = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_BARE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


class Keyed(Protocol):
    """A creation's body (a pydantic model with an ``idempotency_key``)."""

    idempotency_key: str | None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


Body = TypeVar("Body", bound=Keyed)


def _refused(what: str) -> HTTPException:
    return HTTPException(422, f"{WHERE}: {what}")


def _as_sent(raw: str) -> str:
    """A header value as its client wrote it: the server decodes header bytes as Latin-1, so UTF-8
    text ("ключ") arrives as mojibake ("ÐºÐ»...") - shown so, the client would not know its key."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return raw


def parse(raw: str) -> str:
    """The key an ``Idempotency-Key`` header value carries: an RFC 8941 String, or the bare key."""
    if not raw.strip():
        raise _refused('is empty; send a key of 1 to 200 characters, e.g. "8e03978e-40d5-43e8"')
    if not raw.isascii():
        raise _refused(
            f"{json.dumps(_as_sent(raw), ensure_ascii=False)} has characters outside printable ASCII;"
            ' a key is printable ASCII (RFC 8941), e.g. a UUID: "8e03978e-40d5-43e8"'
        )
    quoted = _QUOTED.fullmatch(raw)
    if quoted is not None:
        key = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif _BARE.fullmatch(raw):
        key = raw
    else:
        raise _refused(
            f"{json.dumps(raw)} is not a key: send it as a quoted string of printable ASCII"
            ' (Idempotency-Key: "8e03978e-40d5-43e8"), or bare without spaces, quotes or backslashes'
        )
    if not key:
        raise _refused('is empty; send a key of 1 to 200 characters, e.g. "8e03978e-40d5-43e8"')
    if len(key) > MAX_KEY:
        raise _refused(f"{len(key)} characters; a key has at most {MAX_KEY}, as the body's idempotency_key")
    return key


async def header_key(
    request: Request,
    _: Annotated[
        str | None,
        Header(
            alias=NAME,
            description="The request's idempotency key (IETF draft-ietf-httpapi-idempotency-key-header),"
            ' as a quoted string (`"8e03978e-40d5-43e8"`) or bare; the same as the body\'s'
            " `idempotency_key` (send either, or the same key in both): the request sent again with it"
            " is answered the stored record and writes nothing; with another body, 409"
            " `idempotency_conflict`. A key is the sending account's own: another account's request"
            " with the same key is its own request. 1 to 200 printable ASCII characters",
        ),
    ] = None,
) -> str | None:
    given = request.headers.getlist(NAME)
    if not given:
        return None
    if len(given) > 1:
        shown = ", ".join(json.dumps(value) for value in given)
        raise _refused(f"given {len(given)} times ({shown}); send it once")
    return parse(given[0].strip())


HeaderKey = Annotated[str | None, Depends(header_key)]


def keyed(body: Body, key: str | None) -> Body:
    """``body`` with the header's ``key`` as its ``idempotency_key`` (the body's own when no header)."""
    if key is None or body.idempotency_key == key:
        return body
    if body.idempotency_key is not None:
        raise _refused(
            f"{json.dumps(key)} is not the body's idempotency_key {json.dumps(body.idempotency_key)};"
            " send the key in one of them, or the same key in both"
        )
    return body.model_copy(update={"idempotency_key": key})


def purge_now(runtime: Runtime, most: int | None = None) -> PurgeReport:
    """Forget the keys stored longer ago than the retention (in the calling thread), at most
    ``most`` batches of them."""
    retention = runtime.settings.service.idempotency_retention
    return purge(runtime.databases.get(), now=runtime.clock.now(), retention=retention, most=most)


async def purge_turn(runtime: Runtime) -> int:
    """One purge: a batch at a time in a thread, :data:`BATCH_PAUSE_S` between batches so that the
    requests' writes come first (a log upgraded with a backlog of keys kept for ever has hundreds
    of batches); how many keys were forgotten."""
    forgotten = 0
    while (report := await asyncio.to_thread(purge_now, runtime, 1)).entries:
        forgotten += report.total
        await asyncio.sleep(BATCH_PAUSE_S)
    if forgotten:
        log.info("forgot %d idempotency keys stored before %s", forgotten, report.before)
    return forgotten


async def purge_forever(runtime: Runtime) -> None:
    """:func:`purge_turn` when the log opens and every :data:`PURGE_EVERY_S` after, until
    cancelled; a failure (a busy or full log) is logged and tried again at the next turn."""
    while True:
        try:
            await purge_turn(runtime)
        except Exception as exc:  # the next turn tries again; requests are not concerned
            log.warning("idempotency keys not purged this time: %s", exc)
        await asyncio.sleep(PURGE_EVERY_S)

"""How the API decodes a JSON body: as FastAPI does, but a key repeated in one object
(``{"pregnant": true, "pregnant": false}``) is a 422 naming it instead of the last value winning
without a word - JSON readers disagree on which wins, so the integrator's bug chose the value the
patient was assessed on. ``triage assess`` refuses the same (``triage.json_input.unique_keys``).

Text holding a NUL character (``"\u0000"``) is a 422 naming the field, too: SQLite's ``length()``
stops at a NUL, so a reason beginning with one failed the log's ``CHECK (length(trim(reason)) > 0)``
as a 500, and one in the middle cut the text for every reader of the log.

A number no float holds (``1e400``, a 400-digit integer) and the ``NaN`` and ``Infinity`` that
Python's reader takes but JSON has not are a 422 naming the field and the number as sent
(:func:`triage.json_input.loads`): they were refused in Python's words (``got Infinity``, ``value
inf``), or, a reading's 400-digit value, as two fields the API does not have (``value.float``).
Text holding a lone UTF-16 surrogate escape (``"\\ud800"``) is a 422 naming the field and saying so
(it was pydantic's "unable to parse raw data as a unicode string").

A query parameter the route does not take (``?offset=50`` on a list without one, ``?limt=5``) is
a 422 naming it and the ones the path takes, as an unknown field of a body is: it was ignored
without a word, so a client paging with ``offset`` got the first page again. One given twice
(``?before_id=9&before_id=4``) is a 422 naming it, as a key repeated in a JSON object is.

An ``Idempotency-Key`` header sent to a write that takes none (an override, a status, a token) is a
422 naming it: the retry it was meant to protect would be written again.

A body sent to a route that takes JSON with another ``Content-Type`` (``text/plain``, a form) or none
is a 415 (:mod:`triage.service.api.media_type`), not a 422: the header is wrong, not a field.

A body whose ``Content-Type`` declares a charset (``application/json; charset=ISO-8859-1``) is
decoded by it, and one it cannot be decoded by is refused (:mod:`triage.service.api.charset`): the
charset was ignored and the body read as UTF-8.

Who may ask is answered before what was asked is refused: a request without a token, or of a role
the route does not admit, is a 401 or 403 also when its JSON is malformed, repeats a key or holds a
NUL, or a query parameter is unknown (a malformed body was a 422 to an anonymous caller).

Every API router is built with ``route_class=JsonRoute``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Request, Response, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from referral.records import NUL_REFUSED
from triage.json_input import JsonValueError, RepeatedKeyError, first_at, loads
from triage.service.api import charset, etag, idempotency, media_type
from triage.service.auth import RoleCheck


class _UniqueKeysRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            text = charset.text_of(await self.body(), self.headers.get("content-type"))
            try:
                self._json = loads(text)
            except RepeatedKeyError as exc:  # (FastAPI passes an HTTPException on to the handlers)
                raise HTTPException(422, f"body: {exc.message()}") from None
            except JsonValueError as exc:
                raise HTTPException(422, exc.message()) from None
            if "\\u0000" in text:  # (the only way JSON writes a NUL; no walk for other bodies)
                where = nul_at(self._json)
                if where is not None:
                    raise HTTPException(422, f"{where}: {NUL_REFUSED}")
        return self._json


OWN_CHECK = frozenset({"mrn"})
"""Fields whose validator refuses a NUL itself, saying more (``referral.records.check_record_number``
names the character and where it is in the record number)."""


def nul_at(value: Any) -> str | None:
    """Where the first text holding U+0000 is in decoded JSON ``value``, as the API's errors name a
    field (:func:`triage.json_input.first_at`); ``None`` if no text holds one."""
    return first_at(value, lambda item: isinstance(item, str) and "\x00" in item, skip=OWN_CHECK)


def role_checks(dependant: Dependant) -> tuple[RoleCheck, ...]:
    """The role checks among a route's dependencies."""
    found: list[RoleCheck] = []
    stack = [dependant]
    while stack:
        current = stack.pop()
        if isinstance(current.call, RoleCheck):
            found.append(current.call)
        stack.extend(current.dependencies)
    return tuple(found)


def query_names(dependant: Dependant) -> list[str]:
    """The query parameters a route takes, its dependencies' included, in declaration order."""
    names = [field.alias for field in dependant.query_params]
    for sub in dependant.dependencies:
        names += [name for name in query_names(sub) if name not in names]
    return names


def query_lists(dependant: Dependant) -> set[str]:
    """The query parameters a route takes as a list (``?code=a&code=b``), its dependencies' included."""
    found = set()
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        kinds = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
        if any((get_origin(kind) or kind) in (list, tuple, set, frozenset) for kind in kinds):
            found.add(field.alias)
    for sub in dependant.dependencies:
        found |= query_lists(sub)
    return found


def takes_idempotency_key(dependant: Dependant) -> bool:
    """Whether a route reads the ``Idempotency-Key`` header (:data:`idempotency.HeaderKey`)."""
    return dependant.call is idempotency.header_key or any(
        takes_idempotency_key(sub) for sub in dependant.dependencies
    )


def refuse_unkeyed(request: Request) -> None:
    """A 422 for an ``Idempotency-Key`` sent to a POST or PATCH that takes none: its retry would be
    written again, while the client believes it protected (it was ignored without a word). PUT and
    DELETE are idempotent already (RFC 9110 9.2.2): a key a client sends with every write is let be."""
    if request.method not in ("POST", "PATCH") or idempotency.NAME not in request.headers:
        return
    raise HTTPException(
        422,
        f"{idempotency.WHERE}: {request.method} {request.url.path} takes no idempotency key, so a"
        f" retry of it would not be recognised; the creations that take one: {idempotency.KEYED}",
    )


#: A query parameter's name as the API's errors write it after ``query.``.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def refuse_query(request: Request, known: list[str], lists: set[str]) -> None:
    """A 422 naming the first query parameter the route does not take, or that is given more than
    once where it takes one value (``?before_id=9&before_id=4``: the last one won without a word,
    as a key repeated in a JSON object did)."""
    takes = f"takes {', '.join(known)}" if known else "takes no query parameters"
    for name in request.query_params:
        if name not in known:
            # a name that is no name ("", "a b", "x.y", a NUL) is quoted: "query.: ..." named nothing
            said = (
                f"query.{name}: unknown parameter"
                if _NAME.fullmatch(name)
                else (f"query: {json.dumps(name)} is an unknown parameter")
            )
            raise HTTPException(422, f"{said}; {request.method} {request.url.path} {takes}")
        given = request.query_params.getlist(name)
        if len(given) > 1 and name not in lists:
            shown = ", ".join(json.dumps(value) for value in given)
            raise HTTPException(422, f"query.{name}: given {len(given)} times ({shown}); give it once")


class JsonRoute(APIRoute):
    """An API route that checks the caller's role first, decodes JSON with
    :func:`triage.json_input.unique_keys` and refuses query parameters it does not take."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = query_names(self.dependant)
        lists = query_lists(self.dependant)
        checks = role_checks(self.dependant)
        keyed = takes_idempotency_key(self.dependant)
        takes_json = self.body_field is not None and not isinstance(self.body_field.field_info, params.Form)

        async def route(request: Request) -> Response:
            reading = _UniqueKeysRequest(request.scope, request.receive)
            # Who may ask, first: FastAPI reads and decodes the body before it resolves the
            # dependencies. The body is read before the check (at most 1 MiB, ApiBodyLimit): a
            # session's form carries its CSRF field. (The dependency runs again, on the cached caller.)
            body = await reading.body()
            for check in checks:
                await check(reading)
            refuse_query(request, known, lists)
            if body and takes_json:  # 415: a compressed body, or one that is not JSON (media_type)
                media_type.require_identity(
                    request.headers.get("content-encoding"), request.method, request.url.path
                )
                media_type.require_json(request.headers.get("content-type"), request.method, request.url.path)
            if body:  # 415: a body in a charset it cannot read (a GET's stray Content-Type is let be)
                charset.codec(request.headers.get("content-type"))
            if not keyed:
                refuse_unkeyed(request)
            return etag.conditional(request, await handler(reading))

        return route

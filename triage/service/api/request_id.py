"""Request IDs: every answer carries ``X-Request-ID``, and the service's log lines about a failed
request name it, so an integrator whose request failed tells the clinic's administrator which lines
are its own. A client's own id (an EHR numbering its requests) is kept when it is 1 to 128
characters of letters, digits, ``.``, ``_``, ``:`` and ``-`` - nothing a log line could be forged
with -, else the service makes one (16 hex digits). It was not said anywhere: a 500 said "the
service's log says what failed", and the log's lines named no request."""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

from starlette.types import Receive, Scope, Send

from triage.service.security import AnswerStartEditor, StartEdit

log = logging.getLogger("triage.service")
HEADER = "X-Request-ID"
_KEPT = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_CURRENT: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The id of the request being answered (``None`` outside one)."""
    return _CURRENT.get()


class RequestIds(AnswerStartEditor):
    """ASGI middleware, outermost: the request's id - its ``X-Request-ID`` when usable, else a new
    one - for the log lines written while it is answered (:func:`current`), and on its answer."""

    def editor(self, scope: Scope) -> StartEdit:
        given = [value for name, value in scope["headers"] if name == b"x-request-id"]
        kept = given[0] if len(given) == 1 and _KEPT.fullmatch(given[0]) else None
        request_id = kept.decode("ascii") if kept is not None else secrets.token_hex(8)
        _CURRENT.set(request_id)  # (kept for the task: the server's own lines about it, a traceback)
        header = (b"x-request-id", request_id.encode("ascii"))
        return lambda message: {**message, "headers": [*message.get("headers", ()), header]}

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            said_failed(scope, exc)  # before the server's traceback, on any path
            raise


def said_failed(scope: Scope, exc: BaseException, *, with_traceback: bool = False) -> None:
    """The log's line naming a failed request: its id, method, path and the exception's kind only -
    its text may hold a patient's data; the traceback, the server's or (``with_traceback``) this
    line's own, has it."""
    log.error(
        "request %s: %s %s failed: %s (traceback below)",
        current(),
        scope["method"],
        scope["path"],
        type(exc).__name__,
        exc_info=exc if with_traceback else None,
    )

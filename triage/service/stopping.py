"""A request the stopping service cut short answers 503, saying so, not uvicorn's bare 500.

Asked to stop (Ctrl-C, SIGTERM, SIGHUP), ``triage serve`` waits a few seconds for the requests
still running (uvicorn's graceful shutdown), then cancels them. A cancelled request - a staff page's
walk-in form waiting for the referral log that another writer held - answered "Internal Server
Error" with a ``CancelledError`` traceback in the service log, though what it was doing may have
been stored. :class:`StopCancelled` answers it as the :class:`~triage.errors.ClinicError` below, through
the app's own handler (the page in the user's language, ``error.stopped``, or the API's JSON error
with ``Retry-After``). A walk-in sent to the API says more (:func:`triage.service.writer.store_walk_in`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from triage.errors import ClinicError
from triage.service.api.faults import Watched


class StoppedError(ClinicError):
    """The service stopped before this request was done: it may or may not have been stored."""

    status_hint, exit_code, code = 503, 1, "writer_unavailable"


STOPPED = (
    "the service is stopping and stopped this request before it was done; what it was storing may"
    " or may not be stored - look before sending it again, once the service is back"
)


class StopCancelled:
    """ASGI middleware: a request cancelled because the service stops (``runtime.stopping``) and
    not yet answered gets ``answer(request, StoppedError)`` - the app's ClinicError handler."""

    def __init__(
        self,
        app: ASGIApp,
        stopping: Callable[[], bool],
        answer: Callable[[Request, ClinicError], Awaitable[Response]],
    ) -> None:
        self.app = app
        self.stopping = stopping
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watched = Watched(send)
        try:
            await self.app(scope, receive, watched)
        except asyncio.CancelledError:
            if watched.started or not self.stopping():
                raise
            response = await self.answer(Request(scope, receive), StoppedError(STOPPED, says="error.stopped"))
            await response(scope, receive, send)

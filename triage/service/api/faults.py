"""A fault in the service on an API path - an exception no handler answers - is answered in the
API's one error shape (500 ``internal_error``), from inside the other middleware: the CORS headers
of an allowed origin, the security headers and ``Cache-Control: no-store`` are on it, and the
metrics count it.

Starlette answers such an exception in its outermost error handler, outside every middleware of the
app: a ``text/plain`` "Internal Server Error" without CORS headers, so a browser app of an allowed
origin saw a CORS failure instead of the 500, and a client reading the JSON error got text. Once
answered, the exception is logged here with its traceback, under the line naming the request
(:mod:`triage.service.api.request_id`), and not raised again: uvicorn closes the connection of a
request whose application raised after its answer started, so a client keeping its connection
alive could read a reset instead of the 500 and lost the connection for its next request."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage.service.api import request_id

CODE = "internal_error"


def fault_body(method: str, path: str) -> dict[str, object]:
    """The error of a fault on ``method path``: no detail of the exception (it may hold a patient's
    data; the log has it), and the request's id, which the log's line about it names
    (:mod:`triage.service.api.request_id`)."""
    message = (
        f"internal error: {method} {path} failed in the service, not because of the request;"
        " the service's log says what failed"
    )
    body: dict[str, object] = {"ok": False, "error": message, "code": CODE, "status": 500}
    rid = request_id.current()
    if rid is not None:
        body |= {"error": f"{message}, under request {rid}", "context": {"request_id": rid}}
    return body


class Watched:
    """An ASGI ``send`` that notes whether the answer has started (its headers are sent): a
    middleware may answer a failed request itself only before."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


class ApiFaults:
    """ASGI middleware for the paths under ``/api/``: an exception that reaches it before the
    answer started is answered as :func:`fault_body` and logged with its traceback; the connection
    stays open for the client's next request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        watched = Watched(send)
        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if watched.started:  # (an answer cut short: the server closes the connection)
                raise
            answer = JSONResponse(fault_body(scope["method"], scope["path"]), status_code=500)
            await answer(scope, receive, send)
            request_id.said_failed(scope, exc, with_traceback=True)


def install(app: FastAPI) -> None:
    """Put :class:`ApiFaults` innermost, inside the CORS, security-header and metrics middleware:
    ``add_middleware`` puts each one outside those added before, so the list is appended to."""
    app.user_middleware.append(Middleware(ApiFaults))

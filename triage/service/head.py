"""HEAD wherever GET is answered (RFC 9110 9.3.2: a server SHOULD support HEAD for every
resource it serves with GET): the request is routed as a GET and answered with the GET's status and
headers - ``Content-Length`` and ``Content-Type`` included - and no body.

FastAPI's routes take only the methods they are declared with, so every page and API path answered
HEAD with a 405 (only ``/static`` took it): a link checker, a monitoring probe or an HTTP cache
asking whether a page exists was told the method is not allowed.
"""

from __future__ import annotations

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware, outermost: everything inside it (routing, the caller's role, the error
    pages, the metrics) sees a GET. The body is dropped here, so the answer is the same under any
    server; once the headers are sent the response is complete, and the application reads a
    disconnect - a stream (``/events``) ends instead of waiting for its next event."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        complete = False

        async def without_body(message: Message) -> None:
            nonlocal complete
            if complete or message["type"] != "http.response.start":
                return  # the GET's body (and anything sent after the answer is complete)
            await send(message)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            complete = True

        async def reading() -> Message:
            return {"type": "http.disconnect"} if complete else await receive()

        # a copy: the server's own scope keeps HEAD, so it too sends no body
        await self.app(dict(scope, method="GET"), reading, without_body)


def allowed_methods(routes: list[BaseRoute], path: str) -> str:
    """The ``Allow`` value of a 405 for ``path``: every method some route of the path takes, HEAD
    wherever GET (RFC 9110 15.5.6: the methods the resource supports). The framework named the
    methods of one route only - ``GET`` on ``/api/v1/patients``, which takes POST too."""
    methods: set[str] = set()
    for context in iter_route_contexts(routes):
        if context.path and context.methods and compile_path(context.path)[0].match(path):
            methods |= set(context.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))

"""The request body limit: at most ``MAX_BODY_BYTES``; a larger body is a 413 ``body_too_large``
before it is read whole. Without it a body was read into memory and parsed however large (20 MB for
one 200-character name, refused only after parsing). The staff pages' forms too (``/login`` before
anyone signs in): they were held only to Starlette's limits - 1 MB a field, 1,000 fields - so a
body of a gigabyte was read into memory before the login was refused."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
"""A walk-in of 200 observations with every field at its longest is under 150 KB."""


class ApiBodyLimit:
    """ASGI middleware for every request (the API's, the pages' forms). The refusal is raised from ``receive`` while
    the route reads its body, so the app's HTTP error handler answers it in the API's error shape
    (and the response passes every other middleware): at the first read when the Content-Length
    is over the limit (nothing of the body is read), else at the chunk that passes it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        taker = "the API takes" if scope["path"].startswith("/api/") else "a form sends"
        length = Headers(scope=scope).get("content-length", "")
        declared = int(length) if length.isdigit() else None
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if declared is not None and declared > self.limit:
                raise self.too_large(f"{declared} bytes", taker)
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise self.too_large(f"more than {self.limit} bytes", taker)
            return message

        await self.app(scope, limited, send)

    def too_large(self, size: str, taker: str) -> HTTPException:
        return HTTPException(
            413, f"body: {size}; {taker} at most {self.limit} bytes (1 MiB): send less per request"
        )

"""The redirect of a path with a ``/`` at its end (Starlette's ``redirect_slashes``: 307, method
and body kept) names the path without it, as docs/service.md says, not the absolute URL Starlette
rebuilds from the request (``http://127.0.0.1:8000/api/v1/queue``): behind a reverse proxy that
ends HTTPS and is not named in ``service.trusted_proxies`` that URL is ``http://``, so a client
following it left HTTPS, and HTTP libraries drop ``Authorization`` on such a redirect. A relative
``Location`` (RFC 9110 10.2.2) is resolved by the client against the address it used."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _path_only(location: bytes, host: bytes | None) -> bytes:
    """``location`` as its path and query when it is an absolute URL of this ``host``."""
    parts = urlsplit(location.decode("latin-1"))
    if not parts.scheme or host is None or parts.netloc.encode("latin-1") != host:
        return location
    return (parts.path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


class PathRedirects:
    """ASGI middleware: a 307 or 308 to this host says the path alone in ``Location``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((value for name, value in scope["headers"] if name == b"host"), None)

        async def relative(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (307, 308):
                headers = [
                    (name, _path_only(value, host) if name == b"location" else value)
                    for name, value in message.get("headers", ())
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, relative)

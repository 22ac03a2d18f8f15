"""The redirect of a path with a ``/`` at its end (Starlette's ``redirect_slashes``: 307, method
and body kept) names the path without it, as docs/service.md says, not the absolute URL Starlette
rebuilds from the request (``http://127.0.0.1:8000/api/v1/queue``): behind a reverse proxy that
ends HTTPS and is not named in ``service.trusted_proxies`` that URL is ``http://``, so a client
following it left HTTPS, and HTTP libraries drop ``Authorization`` on such a redirect. A relative
``Location`` (RFC 9110 10.2.2) is resolved by the client against the address it used."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import Message, Scope

from triage.service.security import AnswerStartEditor, StartEdit


def _path_only(location: bytes, host: bytes | None) -> bytes:
    """``location`` as its path and query when it is an absolute URL of this ``host``."""
    parts = urlsplit(location.decode("latin-1"))
    if not parts.scheme or host is None or parts.netloc.encode("latin-1") != host:
        return location
    return (parts.path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


class PathRedirects(AnswerStartEditor):
    """ASGI middleware: a 307 or 308 to this host says the path alone in ``Location``."""

    def editor(self, scope: Scope) -> StartEdit | None:
        path: str = scope["path"]
        if len(path) < 2 or not path.endswith("/"):  # (no route ends so: only such a path is redirected)
            return None
        host = next((value for name, value in scope["headers"] if name == b"host"), None)

        def relative(message: Message) -> Message:
            if message["status"] not in (307, 308):
                return message
            headers = [
                (name, _path_only(value, host) if name == b"location" else value)
                for name, value in message.get("headers", ())
            ]
            return {**message, "headers": headers}

        return relative

"""CORS for the JSON API: a browser app served from another origin in the clinic (a dashboard, a
district system's web client) may call ``/api/v1`` with an API token - only from the origins named
in ``service.cors_origins``; none by default.

Only the API's paths answer CORS: the staff pages, their forms and ``/events`` stay same-origin (a
session cookie and its CSRF token are theirs alone). No credentials are allowed
(``Access-Control-Allow-Credentials`` is never sent): a cross-origin app sends its token in the
``Authorization`` header, so a page of an allowed origin cannot ride on a staff member's session
cookie. The answer's headers a client pages and caches with are exposed to the app. A fault's 500
carries the CORS headers too: :mod:`triage.service.api.faults` answers it inside this middleware.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

#: Request headers an API client sends: its token, its body's type, a conditional GET's tag, an
#: update's precondition (``api/etag.py``), a creation's idempotency key (``api/idempotency.py``).
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-None-Match",
    "If-Match",
    "Idempotency-Key",
    "X-Request-ID",  # the client's own request id (api/request_id.py)
    # a compressed body's, so that its 415 (api/media_type.py) reaches the app, not a failed preflight
    "Content-Encoding",
)
#: Response headers beyond the CORS-safelisted ones that an API client reads: paging and caching,
#: the request id, and what an error says to do - a 415's ``Accept`` and ``Accept-Encoding`` (the
#: body's type and coding taken), a 405's ``Allow``, a 401's ``WWW-Authenticate``.
EXPOSED_HEADERS = (
    "ETag",
    "Link",
    "Location",
    "Retry-After",
    "X-Total-Count",
    "X-Request-ID",
    "Accept",
    "Accept-Encoding",
    "Allow",
    "WWW-Authenticate",
)
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
#: How long a browser may keep a preflight's answer (seconds).
MAX_AGE_S = 600


class ApiCors:
    """ASGI middleware: Starlette's CORS for the paths under ``/api/``; other paths pass through."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=MAX_AGE_S,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)

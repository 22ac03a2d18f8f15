"""Secrets and defences: password hashing, API tokens, CSRF tokens, login rate limit, headers.

Rules:

- Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile); the referral
  log stores only the encoded hash string.
- API tokens are 32 random bytes shown once; the log stores their SHA-256, so a copied database
  file does not leak usable tokens.
- CSRF: every staff session carries a random token; every state-changing request authenticated by
  the session cookie must echo it in the ``csrf_token`` form field or the ``X-CSRF-Token`` header.
  Requests authenticated by an API token carry no ambient credential and need no CSRF token.
- Failed logins are limited per user name and per client address in a sliding one-minute window.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage.errors import UserInputError

TOKEN_PREFIX = "ctk_"
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, verified against when the user does not exist, so a login for
    an unknown name takes as long as one for a known name (no user-name probing by timing). Made
    on first use: hashing is slow on purpose and would add 0.2 s to every start."""
    return _hasher.hash(secrets.token_urlsafe(16))


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords tried first by anyone guessing (``common_passwords.txt``),
    in lower case."""
    text = Path(__file__).with_name("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_strength(password: str, username: str = "") -> None:
    """Refuse passwords a shared clinic PC would make guessable - short, padded, repetitive, the
    account's own user name, or on the list of common passwords; the message says the rule."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError(
            f"password: must be at least {MIN_PASSWORD_LENGTH} characters long",
            says="error.password_short",
            params={"n": MIN_PASSWORD_LENGTH},
        )
    if password.strip() != password:
        raise UserInputError("password: must not start or end with a space", says="error.password_spaces")
    if len(set(password)) < 4:
        raise UserInputError(
            "password: must contain at least 4 different characters", says="error.password_varied"
        )
    if username and password.lower() == username.strip().lower():
        raise UserInputError("password: must not be the user name", says="error.password_username")
    if password.lower() in common_passwords():
        raise UserInputError(
            "password: is one of the most common passwords, which are tried first: choose another",
            says="error.password_common",
        )


def hash_password(password: str, username: str = "") -> str:
    check_password_strength(password, username)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; constant-ish time whether or not the user exists."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def generate_password() -> str:
    """A random password for demo accounts (printed once by ``triage demo``)."""
    return secrets.token_urlsafe(12)


class LoginRateLimiter:
    """Sliding-window count of failed logins per key (user name, client address)."""

    def __init__(self, attempts_per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = attempts_per_minute
        self.window_s = 60.0
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        # Set when the service runs several processes: tells the others (see ``heard``), so the
        # limit counts attempts on every process, not per process.
        self.share: Callable[[dict[str, Any]], None] | None = None

    #: Above this many keys, a failure first forgets the keys whose failures are all past the window.
    SWEEP_ABOVE = 256

    def _recent(self, key: str, now: float) -> deque[float]:
        """The key's failures in the window; a key with none is forgotten, not kept empty: a
        request refused by the limit of its address came with a new user name each time, and every
        name stayed in memory for good (an unauthenticated client could fill the service's memory)."""
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def _note(self, key: str, now: float) -> None:
        if len(self._failures) > self.SWEEP_ABOVE:
            for old in list(self._failures):
                self._recent(old, now)
        self._recent(key, now)
        self._failures.setdefault(key, deque()).append(now)

    def retry_after_s(self, *keys: str) -> int:
        """Seconds until another attempt is allowed for all ``keys`` (0: allowed now)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.limit:
                    wait = max(wait, self.window_s - (now - times[0]))
        return int(wait) + (1 if wait > int(wait) else 0)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._note(key, now)
        if self.share is not None:
            self.share({"t": "login", "failed": list(keys)})

    def succeeded(self, username_key: str) -> None:
        with self._lock:
            self._failures.pop(username_key, None)
        if self.share is not None:
            self.share({"t": "login", "succeeded": username_key})

    def heard(self, message: dict[str, Any]) -> None:
        """Another worker process of this service saw a failed or successful login."""
        now = self._clock()
        with self._lock:
            for key in message.get("failed") or []:
                self._note(str(key), now)
            if isinstance(message.get("succeeded"), str):
                self._failures.pop(message["succeeded"], None)


# Pages and API: only our own scripts and styles. The API docs page needs inline styles that
# Swagger UI sets from JavaScript, so it gets 'unsafe-inline' for styles only.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_CSP_DOCS = _CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: under no-referrer a browser posts the pages' forms with
    # "Origin: null", which cannot be told from another site's (auth.refuse_cross_origin)
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


_STATIC_HEADERS = [
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()
]


#: How a middleware edits an answer's start (its status and headers): the message in, the message out.
StartEdit = Callable[[Message], Message]


class AnswerStartEditor(ABC):
    """A plain ASGI middleware (not ``BaseHTTPMiddleware``: no task or stream per request) that
    edits the start of every HTTP answer - its status and headers -, as :meth:`editor` says for the
    request; other scopes pass through. :meth:`run` calls the app (a subclass may wrap it). A
    subclass without its own :meth:`editor` cannot be made (``TypeError``): the app fails as it
    builds its middleware, at start-up, not with a 500 on every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @abstractmethod
    def editor(self, scope: Scope) -> StartEdit | None:
        """How to edit this request's answer (``None``: leave it, and its messages, untouched)."""

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        edit = self.editor(scope)
        if edit is None:
            await self.run(scope, receive, send)
            return

        async def edited(message: Message) -> None:
            await send(edit(message) if message["type"] == "http.response.start" else message)

        await self.run(scope, receive, edited)


class SecurityHeaders(AnswerStartEditor):
    """ASGI middleware: the headers above on every HTTP response; pages are never cached. A header
    the route set itself is kept."""

    def editor(self, scope: Scope) -> StartEdit:
        path: str = scope["path"]
        extra = [
            *_STATIC_HEADERS,
            (b"content-security-policy", (_CSP_DOCS if path == "/docs" else _CSP).encode("latin-1")),
        ]
        if not path.startswith("/static/"):
            extra.append((b"cache-control", b"no-store"))

        def with_headers(message: Message) -> Message:
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            headers.extend(item for item in extra if item[0] not in present)
            return {**message, "headers": headers}

        return with_headers

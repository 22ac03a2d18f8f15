"""Who is asking, and may they: sessions, API tokens and role checks for every route.

Every route declares the roles allowed to use it with ``Depends(allow(...))`` (or is listed in
:data:`PUBLIC_PATHS`); ``tests/service/test_roles.py`` walks every route of the app and tries it
with every role and without login.

- Staff log in with a password and get a random session id in an HttpOnly, SameSite=Strict
  cookie. Sessions are kept in the referral log (:class:`SessionStore`: a restart does not log
  staff out), end after ``service.session_max_age_s`` and after ``service.idle_logout_s`` without use.
- Integrators and scripts send ``Authorization: Bearer <token>``.
- Anonymous API calls get 401; anonymous page visits are redirected to the login page.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Request
from sqlite_utils import Database

from referral import audit, sessions
from referral.errors import DatabaseBusyError, StorageError
from referral.transactions import db_path, utc_now, write_unless_locked
from triage.errors import ClinicError, json_text
from triage.service.database import Databases
from triage.service.logouts import PendingLogouts
from triage.service.security import csrf_matches, new_csrf_token, token_digest

log = logging.getLogger("triage.service")
T = TypeVar("T")

SESSION_COOKIE = "triage_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/login", "/logout", "/setup", "/openapi.json", "/docs", "/favicon.ico"}
)


class Role(StrEnum):
    clinician = "clinician"
    nurse = "nurse"
    integrator = "integrator"
    analyst = "analyst"
    admin = "admin"


ALL_ROLES = tuple(Role)
CLINICAL_READ = (Role.clinician, Role.nurse, Role.admin)
CLINICAL_WRITE = (Role.clinician, Role.nurse, Role.admin)
CLINICIAN_ONLY = (Role.clinician, Role.admin)
# the roles whose work uses the API itself (device bridges, exports, metrics): the pages show
# them API links and paths; clinicians and nurses work on the pages and never see them
API_USERS = (Role.admin, Role.integrator, Role.analyst)
# the roles that set up and look after the device links: the devices page and the API show them
# how a device is connected (protocol, serial port with its baud rate and framing, TCP address),
# the counts and the gateway's own error text; clinicians and nurses see whether a device is
# connected, its last result and any problem in plain words
DEVICE_ADMINS = (Role.admin, Role.integrator)
#: What a device status row says to the other roles: the device, whether it is connected, when its
#: last result came (and, on the page, the encounter it is attached to); not how it is connected.
PLAIN_DEVICE_FIELDS = ("device", "link_up", "last_result_at")


def device_status_for(role: Role, status: Mapping[str, Any]) -> dict[str, Any]:
    """A device status row (``Runtime.device_status``) as ``role`` may see it: whole for
    :data:`DEVICE_ADMINS`, else only :data:`PLAIN_DEVICE_FIELDS`."""
    if role in DEVICE_ADMINS:
        return dict(status)
    return {key: status.get(key) for key in PLAIN_DEVICE_FIELDS}


class NotAuthenticatedError(ClinicError):
    status_hint, exit_code, code = 401, 1, "not_authenticated"


class ForbiddenError(ClinicError):
    status_hint, exit_code, code = 403, 1, "forbidden"


class CsrfError(ClinicError):
    status_hint, exit_code, code = 403, 1, "csrf_failed"


class CrossOriginError(ClinicError):
    status_hint, exit_code, code = 403, 1, "cross_origin"


class LoginRequiredRedirect(Exception):
    """Raised for page routes: the app turns it into a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role
    language: str
    via: str  # "session" or "token"
    csrf_token: str = ""
    session_id: str = ""


@dataclass
class Session:
    username: str
    role: Role
    language: str
    csrf_token: str
    created: float
    last_seen: float


#: How long a sign-in, a refused one's audit entry, a logout, first-run setup, a user's own password
#: change (or its refusal's audit entry), the re-key of the session after it, the language switch
#: and an administrator's account writes (an account added, disabled or enabled, an API token issued
#: or revoked - the API's and ``triage referrals users ...``) wait for another writer's lock on the
#: referral log, in one try (at most the log's ``busy_timeout``): another process's commit or the
#: group commit holds it for milliseconds; a backup, a migration or ``triage referrals ...`` in a
#: shell holds it longer, and the page then says at once that the log is busy (503,
#: ``Retry-After``), its form again. They waited ``busy_timeout`` per try, six tries - the button
#: spun for 33 s, then the page said "Something needs attention" without the form.
SIGN_IN_WAIT_MS = 2000


def write_sign_in(db: Database, work: Callable[[Database], object], busy_timeout_ms: int) -> bool:
    """``work(db)`` in one transaction if the log's write lock is free within
    :data:`SIGN_IN_WAIT_MS` (the log's ``busy_timeout`` when shorter): whether it ran."""
    return write_unless_locked(db, work, wait_ms=min(busy_timeout_ms, SIGN_IN_WAIT_MS))


def sign_in_busy(
    db: Database, what: str, again: str = "sign in again", params: Mapping[str, object] | None = None
) -> DatabaseBusyError:
    """The error of a sign-in or an account write :func:`write_sign_in` could not write (nothing of
    it stored): ``what`` was not stored, ``again`` in a moment."""
    return DatabaseBusyError(
        f"the referral log {db_path(db)} is locked by another writer (a backup, a migration or"
        f" triage referrals ... in a shell?): {what} was not stored - {again} in a moment",
        params=params,
    )


def write_account(
    db: Database,
    work: Callable[[Database], T],
    busy_timeout_ms: int,
    what: str,
    again: str,
    params: Mapping[str, object] | None = None,
) -> T:
    """``work(db)`` written in one transaction as :func:`write_sign_in` does, and its result; while
    another writer holds the log past :data:`SIGN_IN_WAIT_MS` raises :func:`sign_in_busy`'s error
    (``what`` not stored, ``again`` in a moment), nothing stored."""
    done: list[T] = []
    if not write_sign_in(db, lambda db: done.append(work(db)), busy_timeout_ms):
        raise sign_in_busy(db, what, again, params)
    return done[0]


class SessionStore:
    """Staff sessions kept in the referral log (``referral.sessions``), keyed by the SHA-256 of a
    random cookie value: a restart of the service does not log staff out, a disabled account is
    refused on its next request, and the account's current role applies.

    Limits: ``max_age_s`` from login, ``idle_s`` without a request, by ``clock`` - the service's
    :class:`referral.forward_clock.ForwardClock`, which never goes back, so a clock set back neither
    revives an ended session nor lengthens one (``last_seen`` is written at most once a minute, or
    every quarter of ``idle_s`` when that is shorter, so idleness is measured to the minute and a
    short idle limit still counts from the last request: once a minute, a two-minute limit ended a
    session 62 s after a request the minute had not written).
    """

    TOUCH_EVERY_S = 60.0

    def __init__(
        self,
        databases: Databases,
        max_age_s: float,
        idle_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._databases = databases
        self.max_age_s = max_age_s
        self.idle_s = idle_s
        self.clock = clock
        # logouts the log was too busy to write (:meth:`log_out`): refused at once by every process
        # of the service, written at a later request of any of them
        self._logged_out = PendingLogouts(databases.path)

    def create(
        self,
        username: str,
        language: str,
        *,
        client: str = "unknown",
        via: str = "password",
        replaces: str | None = None,
    ) -> str:
        """A new session for a just-authenticated account; returns the cookie value. Its role is
        not kept with it: each request reads the account's current one (a role changed, an account
        disabled, applies at once). The sign-in is audited in the same transaction (``user.login``:
        from ``client``, ``via`` the login form or first-run ``setup``), where the session of the
        cookie it ``replaces`` (a shared PC's: nobody logged out of it) ends too. Raises
        ``DatabaseBusyError``, nothing stored, when another writer holds the log past
        :data:`SIGN_IN_WAIT_MS` (a backup, a migration)."""
        sid, digest, csrf = self.new_key()

        def work(db: Database) -> None:
            if replaces:
                sessions.end(db, token_digest(replaces))
            self.opened(db, digest, csrf, username, language, client=client, via=via)

        write_account(
            self._databases.get(),
            work,
            self._databases.busy_timeout_ms,
            f"the sign-in of {username}",
            "sign in again",
        )
        self.tidy()
        return sid

    def opened(
        self, db: Database, digest: str, csrf: str, username: str, language: str, *, client: str, via: str
    ) -> None:
        """A new session (a cookie's digest and CSRF token, :meth:`new_key`) and its ``user.login``
        entry, inside the caller's write: :meth:`create`'s, or first-run setup's with the
        administrator it creates (one transaction: the administrator was written first, and a busy
        log then refused the sign-in, the page saying nothing was stored)."""
        sessions.create(db, digest, username, language, csrf, self.clock())
        audit_sign_in(db, "user.login", username, username, {"client": client, "via": via})

    def tidy(self) -> None:
        """After a sign-in: ended sessions removed and the logouts waiting written, if the log is free
        (bookkeeping: never waiting for the lock)."""
        db = self._databases.get()
        self._write_logouts(db)  # (first: a session purged before its logout is written has none)
        with contextlib.suppress(StorageError):
            write_unless_locked(
                db, lambda db: sessions.purge_expired(db, self.clock(), self.max_age_s, self.idle_s)
            )

    def get(self, sid: str) -> Session | None:
        now = self.clock()
        db = self._databases.get()
        key = token_digest(sid)
        if key in self._write_logouts(db):  # logged out (on any process), the log still busy
            return None
        row = sessions.find(db, key)
        if row is None:
            return None
        # Ending or touching a session is bookkeeping: on a full or failing disk, or while another
        # writer holds the log (not waiting for it: the event loop would wait too), the pages still
        # show (the idle clock counts from the last touch written); the writes staff send answer
        # what is wrong (503 storage_error, database_busy).
        if (
            row["disabled"]
            or now - row["created_at"] > self.max_age_s
            or now - row["last_seen"] > self.idle_s
        ):
            with contextlib.suppress(StorageError):  # never waiting for the lock: ended later
                write_unless_locked(db, lambda db: sessions.end(db, key))
            return None
        if now - row["last_seen"] >= min(self.TOUCH_EVERY_S, self.idle_s / 4):
            with contextlib.suppress(StorageError):
                sessions.touch(db, key, now)
        return Session(
            row["username"], Role(row["role"]), row["language"], row["csrf_token"], row["created_at"], now
        )

    def alive(self, sid: str) -> bool:
        """Whether the session is still valid (not logged out, expired or disabled), without
        counting this as a use: a live stream asks it, and an open page is not someone working."""
        if token_digest(sid) in self._logged_out.waiting():
            return False
        row = sessions.find(self._databases.get(), token_digest(sid))
        now = self.clock()
        return (
            row is not None
            and not row["disabled"]
            and now - row["created_at"] <= self.max_age_s
            and now - row["last_seen"] <= self.idle_s
        )

    @staticmethod
    def new_key() -> tuple[str, str, str]:
        """A new cookie value, its digest and a new CSRF token, for a re-key written in the caller's
        transaction (``Accounts.change_password``)."""
        sid = secrets.token_urlsafe(32)
        return sid, token_digest(sid), new_csrf_token()

    def rekey(self, sid: str, username: str) -> str | None:
        """The session under a new cookie value and CSRF token, the old value ending (after a
        password change: whoever copied the cookie is out too); the new value, or ``None`` when the
        session is gone. While another writer holds the log past :data:`SIGN_IN_WAIT_MS` (a backup,
        a migration) raises ``DatabaseBusyError``, the session kept under ``sid`` (it waited
        ``busy_timeout`` per try, six tries, after the password change had been stored)."""
        db = self._databases.get()
        if sessions.find(db, token_digest(sid)) is None:  # (re-keyed already: nothing to wait for)
            return None
        new, digest, csrf = self.new_key()
        found = write_account(
            db,
            lambda db: sessions.rekey(db, token_digest(sid), digest, csrf),
            self._databases.busy_timeout_ms,
            f"the renewed session of {username} (its password is changed)",
            "send the form again",
        )
        return new if found else None

    def end(self, sid: str) -> None:
        sessions.end(self._databases.get(), token_digest(sid))

    def log_out(self, sid: str, username: str, client: str) -> bool:
        """End the session ``username`` logged out of, audited (``user.logout``); whether that is
        written now. While another writer holds the log past :data:`SIGN_IN_WAIT_MS` the logout is
        not waited for: every process of the service refuses the session from now on
        (:class:`~triage.service.logouts.PendingLogouts`; only this one did, and with ``--workers 2``
        the other took the logged-out cookie until the log was free), and the row's removal and the
        audit entry (its ``logged_out_at`` the time of the logout) are written at a later request
        once the log is free - the browser drops the cookie at once either way."""
        key = token_digest(sid)
        db = self._databases.get()
        data = {"client": client}
        if write_sign_in(db, lambda db: self._end(db, key, username, data), self._databases.busy_timeout_ms):
            return True
        self._logged_out.add(key, username, {**data, "logged_out_at": utc_now()})
        log.info(
            "the logout of %s is written once the referral log is free (another writer holds it)", username
        )
        return False

    @staticmethod
    def _end(db: Database, key: str, username: str, data: dict[str, str]) -> None:
        """The session's row removed and its ``user.logout`` entry, inside the caller's write; no
        entry when the row is gone (another process wrote this logout first, or the session ended
        otherwise meanwhile): each logout is recorded once."""
        if sessions.end(db, key):
            audit_sign_in(db, "user.logout", username, username, data)

    def _write_logouts(self, db: Database) -> set[str]:
        """The logouts :meth:`log_out` (of any process) could not write, written if the log is free
        now (never waiting: a page view asks this on the event loop); the cookie digests of those
        still waiting."""
        waiting = self._logged_out.waiting()
        for key, (username, data) in list(waiting.items()):
            try:
                if not write_unless_locked(
                    db, functools.partial(self._end, key=key, username=username, data=data)
                ):
                    break
            except StorageError:  # a full or failing disk: tried again at the next request
                break
            self._logged_out.written([key])
            del waiting[key]
        return set(waiting)

    def end_user(self, username: str) -> None:
        sessions.end_user(self._databases.get(), username)


#: Sign-ins in the audit trail (entity ``user``; not compared with the tables by verify-audit).
SIGN_IN_ACTIONS = ("user.login", "user.login_failed", "user.logout")
#: The entity id of a failed login whose user name is no account: what was typed is not kept (a
#: password typed into the user name field would stay in the append-only trail for good).
NO_SUCH_ACCOUNT = "(no such account)"


def audit_sign_in(db: Database, action: str, actor: str, username: str, data: dict[str, str]) -> None:
    """One sign-in entry (:data:`SIGN_IN_ACTIONS`) in the audit trail, inside the caller's write."""
    reason = {"user.login": "signed in", "user.login_failed": "login refused", "user.logout": "logged out"}
    audit.append(
        db, actor=actor, action=action, entity="user", entity_id=username, reason=reason[action], data=data
    )


def client_address(request: Request) -> str:
    """The client's address (behind the documented reverse proxy: its ``X-Forwarded-For``)."""
    return request.client.host if request.client else "unknown"


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/metrics"))


def _token_principal(request: Request, token: str) -> Principal | None:
    runtime = request.app.state.runtime
    user = runtime.accounts.user_for_token(token)
    if user is None:
        return None
    return Principal(user.username, Role(user.role), user.language, "token")


def bearer_token(request: Request) -> str | None:
    """The API token of ``Authorization: Bearer ...``; ``None`` when none is sent."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def still_admitted(request: Request, principal: Principal) -> bool:
    """Whether the caller of a long answer (the live-update stream) may still hear it, asked before
    each part it sends, without counting as a use: its session not ended (logout, idle, a disabled
    account), its API token not expired, revoked or its account disabled. Only the session was
    asked: a token's stream went on after the token expired or was revoked."""
    runtime = request.app.state.runtime
    if principal.via == "session":
        return bool(runtime.sessions.alive(principal.session_id))
    token = bearer_token(request)
    return token is not None and bool(runtime.accounts.token_live(token))


def current_principal(request: Request) -> Principal | None:
    """The caller, from a bearer token or a session cookie; ``None`` when anonymous."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal: Principal | None = None
    token = bearer_token(request)
    if token is not None:
        principal = _token_principal(request, token)
        if principal is None:
            raise NotAuthenticatedError("the API token is unknown or revoked")
    else:
        sid = request.cookies.get(SESSION_COOKIE)
        if sid:
            session = request.app.state.runtime.sessions.get(sid)
            if session is not None:
                principal = Principal(
                    session.username, session.role, session.language, "session", session.csrf_token, sid
                )
    request.state.principal = principal
    return principal


def refuse_cross_origin(request: Request) -> None:
    """Refuse a state-changing request that a browser sent for a page of another origin - a form on
    any web page the clinic PC opens, posted to ``/setup`` before the first administrator exists (the
    page's author would be the administrator), to ``/login`` (the staff then work in the author's
    account) or, beside the CSRF token, to any form of a session.

    As Go's ``net/http.CrossOriginProtection``: a browser says where the request comes from in
    ``Sec-Fetch-Site`` (sent to HTTPS and loopback addresses): only ``same-origin`` and ``none`` (typed
    or bookmarked) pass; without it (plain HTTP on the clinic LAN) the ``Origin`` must name this
    host (``Origin: null`` - a page that hid its origin - does not). A request with neither header is
    no browser's (``curl``, a device bridge), and one with ``Authorization`` carries its own
    credential, which no page of another origin can make a browser send without CORS allowing it.
    The pages' ``Referrer-Policy: same-origin`` lets the browser name the origin of their forms
    (``no-referrer`` made it send ``Origin: null``)."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site in ("same-origin", "none"):
        return
    if site is None:
        if origin is None:
            return
        if origin != "null" and urlsplit(origin).netloc == request.headers.get("host"):
            return
    where = f"Origin: {origin}" if origin is not None else f"Sec-Fetch-Site: {site}"
    raise CrossOriginError(
        f"{request.method} {request.url.path}: refused, sent by a page of another site ({where}); open"
        " the clinic service's own page and send the form from there"
    )


async def check_csrf(request: Request, principal: Principal) -> None:
    """Unsafe methods under a session cookie must echo the session's CSRF token."""
    if request.method in SAFE_METHODS or principal.via != "session":
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_matches(principal.csrf_token, given):
        raise CsrfError(
            f"missing or wrong CSRF token: send the {json_text(CSRF_FIELD)} form field or the {CSRF_HEADER} header"
        )


class RoleCheck:
    """A FastAPI dependency that admits only ``roles``; the route table is read from it in tests."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles

    async def __call__(self, request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            if is_page(request):
                raise LoginRequiredRedirect(request.url.path)
            raise NotAuthenticatedError("log in or send an API token (Authorization: Bearer ...)")
        refuse_cross_origin(request)
        if principal.role not in self.roles:
            allowed = ", ".join(r.value for r in self.roles)
            raise ForbiddenError(
                f"role {json_text(principal.role.value)} may not do this; allowed roles: {allowed}"
            )
        await check_csrf(request, principal)
        return principal

    def __repr__(self) -> str:
        return f"allow({', '.join(r.value for r in self.roles)})"


def allow(*roles: Role) -> RoleCheck:
    return RoleCheck(tuple(roles) or ALL_ROLES)


def route_roles(route: Any) -> tuple[Role, ...] | None:
    """The roles a route admits, read from its dependencies (``None``: the route has no check)."""
    dependant = getattr(route, "dependant", None)
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, RoleCheck):
            return dep.call.roles
        stack.extend(dep.dependencies)
    return None

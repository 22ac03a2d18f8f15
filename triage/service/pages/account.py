"""Login, logout, first-run administrator setup, a user's own password and the language switch."""

from __future__ import annotations

import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlite_utils import Database

from referral.errors import DatabaseBusyError
from referral.users import account_name
from triage.errors import UserInputError
from triage.service.accounts import ACCOUNT_ACTIONS, Account
from triage.service.api import request_id
from triage.service.api.deps import runtime_of, said_to_caller
from triage.service.api.errors import retry_after
from triage.service.auth import (
    ALL_ROLES,
    SESSION_COOKIE,
    Principal,
    allow,
    client_address,
    current_principal,
    refuse_cross_origin,
)
from triage.service.i18n import Catalogue, catalogue
from triage.service.pages.clock import clock
from triage.service.pages.forms import FieldError, FormState, done_last, field_error
from triage.service.pages.rendering import LANGUAGE_COOKIE, language_for, render, render_error, secure_cookie
from triage.service.runtime import Runtime
from triage.service.security import token_digest

log = logging.getLogger("triage.service")
router = APIRouter()


def safe_next(path: str | None) -> str:
    """Only same-site paths (no ``//host`` or scheme) are followed after login."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


#: how long the session cookie outlives the session: as long as ``app.js`` keeps what was typed (a
#: draft, 12 h). The service ends the session at its limits; a browser that still shows it the dead
#: cookie is told the session ended, and keeps the form. With the session's own lifetime the
#: browser dropped the cookie at the 8 h limit itself, and the page then looked like nobody's: the
#: login page said nothing and the form being typed was dropped.
COOKIE_OUTLIVES_S = 12 * 3600


def _set_session(request: Request, response: Response, rt: Runtime, sid: str, language: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure as :func:`secure_cookie` says; kept by
    the browser :data:`COOKIE_OUTLIVES_S` past the session's own limit. With it the user's
    ``language`` (:func:`_set_language`)."""
    _set_cookie(request, response, rt, SESSION_COOKIE, sid, "strict")
    _set_language(request, response, rt, language)


def _set_language(request: Request, response: Response, rt: Runtime, language: str) -> None:
    """The user's language in its own cookie (:data:`LANGUAGE_COOKIE`), as long as the session
    cookie: the login page after the session ended speaks it ("Your session ended ..." is said to
    the user whose work it was; it said it in the clinic's language). The stale session cookie is no
    signed-in user and is never looked up for it (its session is gone); this cookie holds the
    language alone, and logging out drops it (the next person gets the clinic's language)."""
    _set_cookie(request, response, rt, LANGUAGE_COOKIE, language, "lax")


def _set_cookie(
    request: Request,
    response: Response,
    rt: Runtime,
    name: str,
    value: str,
    samesite: Literal["strict", "lax"],
) -> None:
    """A cookie of the session's: HttpOnly, Secure as :func:`secure_cookie` says, kept
    :data:`COOKIE_OUTLIVES_S` past the session's own limit."""
    response.set_cookie(
        name,
        value,
        max_age=rt.settings.service.session_max_age_s + COOKIE_OUTLIVES_S,
        httponly=True,
        samesite=samesite,
        secure=secure_cookie(request),
        path="/",
    )


def spoken_span(seconds: int, text: Catalogue) -> str:
    """``seconds`` as the login page says a time limit: its hours, minutes and seconds that are not
    zero, each singular or plural (``90`` -> "1 minute 30 seconds", ``28800`` -> "8 hours"; zh
    "1 分钟 30 秒"). The whole minutes alone said "1 minutes" for 90 seconds."""
    parts = []
    for size, unit in ((3600, "hour"), (60, "minute"), (1, "second")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(text(f"span.{unit}" if count == 1 else f"span.{unit}s", n=count))
    return " ".join(parts) or text("span.seconds", n=0)


def changed_from_here(request: Request, rt: Runtime, username: str) -> str | None:
    """When ``username``'s password was changed from this browser, within a session's lifetime: the
    time of the change (the clinic's local time), else None. A change whose answer was lost (the
    network cut) left the browser on the login page with the old password, refused as wrong with no
    hint. Said only to the browser that still holds the session cookie the change was sent with
    (its SHA-256 is in the change's audit entry): that account's user. To anyone else a wrong
    password says no more than that - not whether the account exists, nor that it changed."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    row = rt.accounts.db.conn.execute(
        "SELECT at, data FROM audit WHERE entity = 'user' AND entity_id = ?"
        " AND action = 'user.password_change' ORDER BY seq DESC LIMIT 1",
        [account_name(username)],
    ).fetchone()
    if row is None or not hmac.compare_digest(
        str(json.loads(row[1]).get("session_sha256", "")), token_digest(cookie)
    ):
        return None
    since = rt.clock.now() - datetime.fromisoformat(row[0])
    if since > timedelta(seconds=rt.settings.service.session_max_age_s):
        return None
    return clock(row[0], clinic=rt.clock)


@router.get("/login")
def login_page(request: Request, next: str = "/", ended: str = "") -> Response:
    """The login form; ``ended``: why the user is here again - ``expired`` (the session ended),
    ``unsent`` (it ended before a form was sent, which was not recorded), ``logout`` (the user
    logged out: a shared clinic PC says so, for the next person and the one leaving) or ``changed``
    (a password change pressed twice: the first press changed it and gave the session a new cookie
    that this browser never got)."""
    rt = runtime_of(request)
    if rt.accounts.count() == 0:
        return RedirectResponse("/setup", status_code=303)
    notice = None
    if ended in ("expired", "unsent", "logout", "changed"):
        limits = rt.settings.service
        t = catalogue(language_for(request, None))
        notice = t(
            f"login.{ended}",
            idle=spoken_span(limits.idle_logout_s, t),
            session=spoken_span(limits.session_max_age_s, t),
        )
    unsent = ended == "unsent"  # a form was refused: what it held is kept in the browser (app.js)
    return render(request, "login.html", None, next=safe_next(next), notice=notice, unsent=unsent)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    refuse_cross_origin(request)  # (a login of another site's form: the staff work in its account)
    rt = runtime_of(request)
    t = catalogue(language_for(request, None))
    name_key = f"user:{account_name(username)}"  # (one limit however the name is typed)
    client_key = f"addr:{client_address(request)}"
    wait = rt.limiter.retry_after_s(name_key, client_key)
    if wait:
        rt.metrics.login_failures.labels("rate_limited").inc()
        response = render(
            request,
            "login.html",
            None,
            status_code=429,
            error=t("login.limited", seconds=wait),
            next=safe_next(next),
            username=username,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    account = rt.accounts.authenticate(username, password)
    if account is None:
        rt.limiter.failed(name_key, client_key)
        try:
            rt.accounts.login_failed(username, client_address(request))
        except DatabaseBusyError:
            return _log_busy(request, rt, next, username)
        rt.metrics.login_failures.labels("bad_credentials").inc()
        changed = changed_from_here(request, rt, username)
        return render(
            request,
            "login.html",
            None,
            status_code=401,
            error=t("login.failed") if changed is None else t("login.failed_changed", at=changed),
            next=safe_next(next),
            username=username,  # kept in the form, so only the password is typed again
        )
    # the next person on a shared PC logged in over a session nobody logged out of: it ends (it
    # stayed valid, with its CSRF token, until idle), in the sign-in's transaction
    previous = request.cookies.get(SESSION_COOKIE)
    try:
        sid = rt.sessions.create(
            account.username,
            account.language,
            client=client_address(request),
            replaces=previous,
        )
    except DatabaseBusyError:
        return _log_busy(request, rt, next, username)
    rt.limiter.succeeded(name_key)
    redirect = RedirectResponse(safe_next(next), status_code=303)
    _set_session(request, redirect, rt, sid, account.language)
    return redirect


def _log_busy(request: Request, rt: Runtime, next: str, username: str) -> Response:
    """The login form again, at once, while another writer holds the referral log (a backup, a
    migration, ``triage referrals ...`` in a shell): nothing of the sign-in was stored, the user
    name is kept, and the page says to try again in a moment (503 with ``Retry-After``, as the
    API's ``database_busy``). The sign-in waited ``busy_timeout`` six times for it (33 s), then
    showed "Something needs attention" without the login form."""
    rt.metrics.login_failures.labels("log_busy").inc()
    t = catalogue(language_for(request, None))
    response = render(
        request,
        "login.html",
        None,
        status_code=503,
        error=t("login.busy"),
        next=safe_next(next),
        username=username,
    )
    response.headers["Retry-After"] = retry_after("database_busy")
    return response


@router.post("/logout")
def logout(request: Request, who: Annotated[Principal, Depends(allow(*ALL_ROLES))]) -> Response:
    rt = runtime_of(request)
    if who.via == "session":  # (a page posted with an API token has no session to end)
        rt.sessions.log_out(who.session_id, who.username, client_address(request))
    response = RedirectResponse("/login?ended=logout", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(LANGUAGE_COOKIE, path="/")  # the next person: the clinic's language
    return response


@router.get("/setup")
def setup_page(request: Request) -> Response:
    if runtime_of(request).accounts.count() > 0:
        return RedirectResponse("/login", status_code=303)
    return render(request, "setup.html", None, setup_form=FormState())


@router.post("/setup")
def setup(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    language: Annotated[str | None, Form(max_length=2)] = None,
) -> Response:
    refuse_cross_origin(request)  # (another site's form would make its author the administrator)
    rt = runtime_of(request)
    if rt.accounts.count() > 0:
        return RedirectResponse("/login", status_code=303)
    # none sent (a script's post; the page's form always sends its choice): the clinic's, as for
    # POST /api/v1/users and `triage referrals users add` (it was always "zh")
    language = language or rt.settings.service.default_language
    sid, digest, csrf = rt.sessions.new_key()
    client = client_address(request)

    def signed_in(db: Database, made: Account) -> None:  # (its first session, in the same write)
        rt.sessions.opened(db, digest, csrf, made.username, made.language, client=client, via="setup")

    try:
        account = rt.accounts.create_first_admin(username, password, language, signed_in=signed_in)
    except UserInputError as exc:
        # beside the field it is about, in the page's language ("username ...", "password: ...")
        field = next((name for name in ("username", "password") if str(exc).startswith(name)), "form")
        error = field_error(language_for(request, None), exc, rt.clock)
        sent = FormState({"username": username}, {field: error})
        return render(request, "setup.html", None, status_code=422, setup_form=sent, language=language)
    except DatabaseBusyError:
        # another writer holds the log (a backup, a migration): nothing stored, the form again at once
        busy = FieldError(catalogue(language_for(request, None))("setup.busy"))
        sent = FormState({"username": username}, {"form": busy})
        page = render(request, "setup.html", None, status_code=503, setup_form=sent, language=language)
        page.headers["Retry-After"] = retry_after("database_busy")
        return page
    rt.sessions.tidy()
    response = RedirectResponse("/", status_code=303)
    _set_session(request, response, rt, sid, account.language)
    return response


@router.post("/language")
def switch_language(
    request: Request,
    who: Annotated[Principal, Depends(allow(*ALL_ROLES))],
    language: Annotated[str, Form(pattern="^(en|zh)$")],
    back: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    rt = runtime_of(request)
    session = token_digest(who.session_id) if who.via == "session" else ""
    try:
        rt.accounts.set_language(who.username, language, session=session)
    except DatabaseBusyError as exc:
        # another writer holds the log (a backup, a migration): said at once, leading back
        log.warning("request %s: POST /language: %s", request_id.current(), exc)
        said = str(said_to_caller(request, exc))  # (the log's path to an administrator only)
        busy = DatabaseBusyError(said, says="error.language_busy")
        page = render_error(request, said, 503, busy, back=safe_next(back))
        page.headers["Retry-After"] = retry_after(exc.code)
        return page
    request.state.principal = None
    current_principal(request)
    response = RedirectResponse(safe_next(back), status_code=303)
    _set_language(request, response, rt, language)
    return response


def _password_page(
    request: Request,
    who: Principal,
    status_code: int = 200,
    changed: bool = False,
    errors: dict[str, FieldError] | None = None,
) -> Response:
    return render(
        request,
        "password.html",
        who,
        status_code=status_code,
        changed=changed,
        password_form=FormState({"current_password": "", "new_password": ""}, errors or {}),
    )


@router.get("/account/password")
def password_page(
    request: Request, who: Annotated[Principal, Depends(allow(*ALL_ROLES))], changed: bool = False
) -> Response:
    """A user's own password: the current one, then the new one."""
    return _password_page(request, who, changed=changed)


def _changed_already(rt: Runtime, username: str, new_password: str) -> bool:
    """Whether the account's latest entry is its user's password change to ``new_password``: the
    form pressed again while the first press's answer was slow (``app.js`` lets it be sent again
    after "no answer"), whose first press changed it - the current password typed is then no longer
    current, and "wrong password" said the change had failed. Only right after that change, and
    only for the password it set (a wrong guess is refused and counted as before)."""
    action = "user.password_change"
    return done_last(rt.accounts.db, "user", username, action, username, ACCOUNT_ACTIONS[action]) and (
        rt.accounts.authenticate(username, new_password) is not None
    )


@router.post("/account/password")
def change_password(
    request: Request,
    who: Annotated[Principal, Depends(allow(*ALL_ROLES))],
    current_password: Annotated[str, Form(max_length=200)],
    new_password: Annotated[str, Form(max_length=200)],
) -> Response:
    """Change the user's own password (``Accounts.change_password``: the current one required, the
    account's other sessions end, audited); this session goes on under a new cookie value. A wrong current password counts as a failed login: the
    same limit stops someone at a PC left logged in from trying passwords here instead."""
    rt = runtime_of(request)
    language = language_for(request, who)
    keys = (f"user:{who.username}", f"addr:{client_address(request)}")
    wait = rt.limiter.retry_after_s(*keys)
    if wait:
        response = _password_page(
            request,
            who,
            429,
            errors={"current_password": FieldError(catalogue(language)("login.limited", seconds=wait))},
        )
        response.headers["Retry-After"] = str(wait)
        return response
    keep = token_digest(who.session_id) if who.via == "session" else ""
    # this session's new cookie, written with the change: one copied before it (the reason for it?)
    # ends; a re-key of its own after the change waited for whoever took the log in between
    fresh = rt.sessions.new_key() if keep else None
    try:
        if _changed_already(rt, who.username, new_password):
            fresh = None  # (the first press changed it: the session is re-keyed below, as it was)
        else:
            rt.accounts.change_password(
                who.username,
                current_password,
                new_password,
                keep_session=keep,
                client=client_address(request),
                rekey_to=None if fresh is None else fresh[1:],
            )
    except UserInputError as exc:
        field = "current_password" if str(exc).startswith("current_password") else "new_password"
        if field == "current_password":
            rt.limiter.failed(*keys)
        return _password_page(request, who, 422, errors={field: field_error(language, exc, rt.clock)})
    except DatabaseBusyError as exc:
        # another writer holds the log (a backup, a migration): nothing stored, the form again at
        # once; a wrong current password still counts as a failed login (as at login then)
        if exc.params.get("why") == "wrong_password":
            rt.limiter.failed(*keys)
        return _busy_password_page(request, who, exc, "password.busy")
    sid = fresh[0] if fresh is not None else None
    if fresh is None and keep:  # the first press changed it: this session re-keyed now, if still here
        try:
            sid = rt.sessions.rekey(who.session_id, who.username)
        except DatabaseBusyError as exc:
            # its re-key, alone now, waits no longer than the change did (it waited the busy
            # timeout's six tries): said changed, the session still under its cookie until sent again
            return _busy_password_page(request, who, exc, "password.changed_busy")
        if sid is None:  # the first press re-keyed it: its new cookie never reached this browser
            return RedirectResponse("/login?ended=changed", status_code=303)
    done = RedirectResponse("/account/password?changed=true", status_code=303)
    if sid is not None:  # a new cookie: one copied before the change (the reason for it?) ends
        _set_session(request, done, rt, sid, who.language)
    return done


def _busy_password_page(request: Request, who: Principal, exc: DatabaseBusyError, says: str) -> Response:
    """The password form again at once, never a password, while another writer holds the log (a
    backup, a migration): 503 with ``Retry-After``, ``says`` above it in the page's language."""
    busy = FieldError(catalogue(language_for(request, who))(says))
    response = _password_page(request, who, 503, errors={"form": busy})
    response.headers["Retry-After"] = retry_after(exc.code)
    return response

"""The app factory: ``create_app(settings)`` builds the clinic service (API, pages, live wiring).

Nothing is read at import time. The lifespan opens the referral log (applying migrations), loads
the policy and risk models, and starts the device gateway as a supervised task when profiles are
configured; ``/readyz`` answers 200 only when all of that is up.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from referral.clock import Clock
from referral.forward_clock import ForwardClock
from triage.errors import ClinicError, json_text, shown_input, validation_message
from triage.json_input import json_kind
from triage.service import api, pages, shared_state
from triage.service.accounts import Accounts
from triage.service.api import request_id
from triage.service.api.cors import ApiCors
from triage.service.api.deps import said_to_caller
from triage.service.api.errors import error_body, retry_after
from triage.service.api.redirects import PathRedirects
from triage.service.api.request_id import RequestIds
from triage.service.auth import (
    SESSION_COOKIE,
    LoginRequiredRedirect,
    SessionStore,
    current_principal,
    is_page,
)
from triage.service.database import Databases
from triage.service.events import EventHub
from triage.service.head import HeadAsGet, allowed_methods
from triage.service.hosts import AllowedHosts, HostCheck
from triage.service.metrics import ServiceMetrics
from triage.service.pages.rendering import form_page, render_error
from triage.service.runtime import Runtime
from triage.service.security import LoginRateLimiter, SecurityHeaders
from triage.service.stopping import StopCancelled
from triage.service.wiring import start_clinic, stop_clinic
from triage.settings import Settings

log = logging.getLogger("triage.service")
STATIC = Path(__file__).with_name("static")


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "service"
    return f"{tag}-{route.name}"


_BODY_KINDS = {
    "model_attributes_type": "a JSON object",
    "dict_type": "a JSON object",
    "list_type": "a JSON array",
}


def field_path(loc: Sequence[int | str]) -> str:
    """Where a validation error is, as the engine's errors say it: ``observations[1].observed_at``
    (pydantic's ``observations.1.observed_at``); an element of a list body is ``body[0].qc``."""
    parts = list(loc)
    if parts[:1] == ["body"] and len(parts) > 1 and not isinstance(parts[1], int):
        parts = parts[1:]
    text = ""
    for part in parts or ["body"]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


#: A key that can stand in a field's path (``context.waist_cm``) as the API's errors write it.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Fields whose refused value an error never repeats (``POST /api/v1/users``, the password forms, a
#: token to revoke).
SECRET_FIELDS = {("password",), ("current_password",), ("new_password",), ("token",)}


def describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        value = err.get("input")
        if err.get("type") == "json_invalid":  # loc is ("body", character offset)
            where = err.get("loc", ("body", "?"))[-1]
            problem = (err.get("ctx") or {}).get("error", "")
            parts.append(f"body: JSON decode error at character {where}: {problem}")
            continue
        if tuple(err.get("loc", ())) == ("body",) and err.get("type") == "missing":
            parts.append("body: empty; send the JSON document with Content-Type: application/json")
            continue
        # (a body FastAPI leaves unparsed, not JSON by its Content-Type, never gets here: every
        # route that takes JSON is a JsonRoute, whose 415 comes first - api/media_type.py)
        if tuple(err.get("loc", ())) == ("body",) and err.get("type") in _BODY_KINDS:
            parts.append(f"body: expected {_BODY_KINDS[str(err['type'])]}, got {json_kind(value)}")
            continue
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "extra_forbidden" and loc and not _NAME.fullmatch(str(loc[-1])):
            # a key that is no name ("", "a b", "x.y") made no path: ': Extra inputs ...', no fields
            parts.append(f"{field_path(loc[:-1])}: unknown field {json_text(str(loc[-1]))}")
            continue
        shown = "" if err.get("type") == "missing" else shown_input(value)  # null was sent: say so
        if tuple(err.get("loc", ()))[-1:] in SECRET_FIELDS:  # (a client's log keeps its errors)
            secret = "a token" if tuple(err.get("loc", ()))[-1:] == ("token",) else "a password"
            shown = f" (the value is not repeated: {secret})"
        elif err.get("type") == "patient_name":  # a patient's name is said by position, never repeated
            shown = ""
        parts.append(f"{field_path(err.get('loc', ()))}: {validation_message(err)}{shown}")
    return "; ".join(parts)[:2000]


HTTP_CODES = {
    400: "unreadable_body",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_charset",  # a body declared in a charset it cannot read (api.charset); a body
    # not JSON says its own code, unsupported_media_type (api.media_type)
    422: "invalid_input",  # a key repeated in one JSON object (api.json_body)
}


def describe_http_error(request: Request, exc: HTTPException) -> str:
    """What the framework refused before any route ran, said as our errors say it: an unknown
    path or method, or a body that could not be read (and why)."""
    cause = exc.__cause__
    if exc.status_code == 404 and exc.detail == "Not Found":
        if is_page(request):
            return f"no such page: {request.url.path}"
        return f"no such path: {request.method} {request.url.path} (the API's paths are listed at /docs)"
    if exc.status_code == 405:  # (the Allow header names every method of the path: head.allowed_methods)
        return f"method {request.method} is not allowed on {request.url.path} (see /docs)"
    if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
        return (
            f"body: not UTF-8 (byte 0x{cause.object[cause.start]:02x} at offset {cause.start});"
            " send the JSON encoded as UTF-8"
        )
    if exc.status_code == 400 and isinstance(cause, RecursionError):
        return "body: the JSON is nested too deeply to read"
    if exc.status_code == 400 and cause is not None:
        return f"body: could not be read ({type(cause).__name__})"
    return str(exc.detail)


def page_http_error(request: Request, exc: HTTPException) -> ClinicError | None:
    """What an unknown page or a page address opened the wrong way (a form's address typed in or
    reloaded: 405) says on the staff pages, in the user's language; ``None`` for other refusals."""
    path = request.url.path
    if exc.status_code == 404 and exc.detail == "Not Found":
        return ClinicError(f"no such page: {path}", says="error.page_not_found", params={"path": path})
    if exc.status_code == 405:
        says = "error.not_a_page" if request.method in ("GET", "HEAD") else "error.method_not_allowed"
        return ClinicError(
            f"method {request.method} is not allowed on {path}",
            says=says,
            params={"path": path, "method": request.method},
        )
    return None


def build_runtime(settings: Settings, worker: int = 0, wall: ForwardClock | None = None) -> Runtime:
    """``wall``: the clock session and API token expiry and last use are measured against (default:
    the machine's, through a :class:`ForwardClock`, which never goes back)."""
    wall = ForwardClock() if wall is None else wall
    databases = Databases(
        settings.database.path, settings.database.busy_timeout_ms, settings.database.upgrade_backups()
    )
    svc = settings.service
    hub = EventHub()
    limiter = LoginRateLimiter(svc.login_attempts_per_minute)
    # With several worker processes, every process counts every failed login.
    limiter.share = hub.share
    hub.on_message("login", limiter.heard)
    return Runtime(
        settings=settings,
        databases=databases,
        accounts=Accounts(
            databases, settings.service.token_max_age_days, lambda: datetime.fromtimestamp(wall(), UTC)
        ),
        sessions=SessionStore(databases, svc.session_max_age_s, svc.idle_logout_s, clock=wall),
        limiter=limiter,
        hub=hub,
        metrics=ServiceMetrics(),
        clock=Clock.named(svc.timezone),
        wall=wall,
        worker=worker,
    )


def bearer_challenge(request: Request) -> str:
    """The ``WWW-Authenticate`` value of an API 401 (RFC 9110 11.6.1: a 401 carries one; RFC 6750
    3: ``error="invalid_token"`` when a bearer token was sent and is not known, none when none was
    sent), so an HTTP client library knows to send its token rather than fail."""
    sent = request.headers.get("authorization", "").lower().startswith("bearer ")
    return 'Bearer realm="clinic-triage"' + (', error="invalid_token"' if sent else "")


def create_app(
    settings: Settings,
    *,
    device_endpoints: Sequence[Any] | None = None,
    synthetic: bool = False,
    worker: int = 0,
    wall: ForwardClock | None = None,
) -> FastAPI:
    """Build the service. Raises ``ConfigError`` for invalid settings before anything starts.

    ``device_endpoints`` (``devices.endpoint.DeviceEndpoint``) replace the profiles in the settings
    (``triage demo`` passes its simulated devices); ``synthetic`` labels every page as demo data;
    ``worker`` numbers the process among ``triage serve --workers`` (0 is the primary);
    ``wall`` the clock sessions and API tokens expire by (``build_runtime``).
    """
    runtime = build_runtime(settings, worker, wall)
    shared_state.install(runtime)
    if device_endpoints is not None:
        runtime.extras["device_endpoints"] = list(device_endpoints)
    runtime.extras["synthetic"] = synthetic

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.hub.bind(asyncio.get_running_loop())
        await start_clinic(runtime)
        announce = runtime.extras.get("announce")
        if runtime.readiness.ready and callable(announce):
            announce(runtime)  # ``triage serve`` says what it runs on (triage/cli/serve.py)
        try:
            yield
        finally:
            await stop_clinic(runtime)
            runtime.databases.close_all()

    app = FastAPI(
        title="Clinic triage service",
        version="1",
        summary="Device results, triage assessments and referrals for a primary-care clinic",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=_operation_id,
    )
    app.state.runtime = runtime

    async def stopped(request: Request, exc: ClinicError) -> Response:
        return await clinic_error(request, exc)  # defined below; called only once serving

    # A request the stopping service cancels answers 503 through the ClinicError handler below.
    app.add_middleware(StopCancelled, stopping=lambda: runtime.stopping, answer=stopped)
    # Outermost first: security headers wrap metrics, as the two BaseHTTPMiddleware did before.
    app.add_middleware(runtime.metrics.middleware)
    app.add_middleware(HostCheck, hosts=AllowedHosts(settings.service.host, settings.service.allowed_hosts))
    # CORS outside the Host check: a refused Host's 400 carries an allowed origin's CORS headers, so
    # its app reads the JSON error (a browser shows a missing Access-Control-Allow-Origin as a bare
    # network error); the preflight carries no data and is answered as CORS says, whatever the Host
    if settings.service.cors_origins:  # browser apps of these origins may call /api/ (api/cors.py)
        app.add_middleware(ApiCors, origins=settings.service.cors_origins)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(ClinicError)
    async def clinic_error(request: Request, exc: ClinicError) -> Response:
        status = exc.status_hint
        if status >= 500:
            # once per request, the line naming what failed (the full disk and its file): no traceback
            log.error(
                "request %s: %s %s failed: %s: %s",
                request_id.current(),
                request.method,
                request.url.path,
                exc.code,
                exc,
            )
        exc = said_to_caller(request, exc)  # the log's path to an administrator only
        retry = {"Retry-After": retry_after(exc.code)} if status == 503 else {}  # RFC 9110 10.2.3
        if is_page(request) and request.headers.get("accept", "").find("application/json") < 0:
            page = render_error(request, str(exc), status, exc)
            page.headers.update(retry)
            return page
        answer = JSONResponse(error_body(str(exc), exc.code, status, exc.params), status_code=status)
        answer.headers.update(retry)
        if status == 401:
            answer.headers["WWW-Authenticate"] = bearer_challenge(request)
        return answer

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        message = describe_validation(exc)
        if is_page(request):
            return render_error(request, message, 422)
        return JSONResponse(error_body(message, "invalid_input", 422), status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        status = exc.status_code
        message = describe_http_error(request, exc)
        if is_page(request) and request.headers.get("accept", "").find("application/json") < 0:
            # no route ran, so nobody looked at the caller yet: the page speaks the signed-in
            # user's language, shows their menu and leads back to the form's page (405)
            with suppress(ClinicError):  # an unknown API token on a page: as anonymous
                current_principal(request)
            back = form_page(request) if status == 405 else None
            shown = page_http_error(request, exc)
            response: Response = render_error(
                request, message, status, shown, back=back, said_in_full=shown is not None
            )
        else:
            code = getattr(exc, "code", None) or HTTP_CODES.get(status, "http_error")
            response = JSONResponse(error_body(message, code, status), status_code=status)
        response.headers.update(exc.headers or {})
        if status == 405:
            response.headers["Allow"] = allowed_methods(request.app.routes, request.url.path)
        return response

    @app.exception_handler(LoginRequiredRedirect)
    async def login_required(request: Request, exc: LoginRequiredRedirect) -> Response:
        # A form sent after the session ended (idle logout) was not recorded: the login page says
        # so and leads back to the form's page (its POST address has no page: 405 after login).
        # A page visit with a session cookie the log no longer knows: the session ended.
        if request.method not in ("GET", "HEAD"):
            target = f"/login?next={quote(form_page(request))}&ended=unsent"
        else:
            ended = "&ended=expired" if request.cookies.get(SESSION_COOKIE) else ""
            target = f"/login?next={quote(exc.next_path)}{ended}"
        if request.headers.get("hx-request"):
            # A live fragment of an expired session: send the whole page to the login screen
            # instead of swapping the login form into the queue table; it says the session ended
            # and leads back to the page the fragment belongs to.
            page = {"/queue/rows": "/queue", "/devices/rows": "/devices", "/devices/held": "/devices"}
            ended = "&ended=expired" if request.cookies.get(SESSION_COOKIE) else ""
            back = quote(page.get(request.url.path, "/"))
            return Response(status_code=204, headers={"HX-Redirect": f"/login?next={back}{ended}"})
        return RedirectResponse(target, status_code=303)

    api.include(app)
    app.include_router(pages.router)
    app.add_middleware(HeadAsGet)  # HEAD is routed as GET everywhere (RFC 9110 9.3.2)
    app.add_middleware(PathRedirects)  # a trailing slash's 307 names the path, not an absolute URL
    app.add_middleware(RequestIds)  # outermost: every answer, a host refused too, names its request
    runtime.metrics.learn_routes(app.routes)
    return app

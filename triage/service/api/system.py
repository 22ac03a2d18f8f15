"""Liveness, readiness, Prometheus metrics and the API docs page (served offline)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from triage.service.api.deps import DETAIL_ELSEWHERE as DETAIL_ELSEWHERE  # (said here first: tests)
from triage.service.api.deps import RuntimeDep, public_reason, sees_detail
from triage.service.api.errors import RETRY_AFTER, error, retry_after
from triage.service.auth import Principal, Role, allow
from triage.service.shared_state import PeerState, readiness

router = APIRouter(tags=["system"])

_DOCS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clinic triage API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>
"""


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


class RetryOut(BaseModel):
    failed_attempts: int = Field(description="Attempts to open the referral log that failed so far")
    next_attempt: int = Field(description="The number of the next attempt")
    next_attempt_at: str = Field(description="When it is made (UTC, ISO 8601)")
    next_attempt_in_s: float = Field(description="Seconds until then (0: being made now)")


class ReadyOut(BaseModel):
    ready: bool
    reason: str | None = Field(
        description="What is missing; null when ready. In full (it may name files) only to a signed-in"
        " administrator; to anyone else its kind (`os_error`, `the disk holding the log is full` ...), the"
        " full reason being in the service log"
    )
    worker: int = Field(description="The answering process among `triage serve --workers` (0: the primary)")
    retry: RetryOut | None = Field(
        default=None,
        description="While the referral log cannot be opened and is tried again in the background:"
        " which attempt, and when the next is; null otherwise",
    )
    clock: str | None = Field(
        default=None,
        description="To a signed-in administrator, while the machine's clock reads earlier than the time"
        " this process already counted (it was set back): how far, since when, and that session and"
        " API token expiry go on from that time; null otherwise (and to anyone else). Readiness is"
        " not affected",
    )


@router.get(
    "/readyz",
    summary="Readiness: database, policy, models and gateway are up",
    response_model=ReadyOut,
    responses={
        503: {
            "model": ReadyOut,
            "description": "Not ready; `reason` says what is missing",
            "headers": RETRY_AFTER,
        }
    },
)
def readyz(request: Request, rt: RuntimeDep) -> Response:
    # One value read once (runtime.Readiness): the start-up, on the event loop while this runs in a
    # thread, replaces it whole, so the reason and the retry said are of one moment.
    now = readiness(rt)
    ready, reason, retrying = now.ready, now.reason, now.retry
    if not ready and not sees_detail(request):
        reason = public_reason(reason)
    body: dict[str, Any] = {
        "ready": ready,
        "reason": None if ready else reason,
        "worker": rt.worker,
        "retry": None,
        "clock": None,
    }
    rt.wall()  # read the clock now: a step back since the last request is said at once
    set_back = rt.wall.behind()
    if set_back is not None and sees_detail(request):
        body["clock"] = set_back.said()
    if not ready and retrying is not None:
        body["retry"] = retrying.said(time.monotonic())
        body["reason"] = (
            f"{reason} (retrying in the background: attempt {retrying.failed_attempts} failed,"
            f" attempt {retrying.failed_attempts + 1} at {retrying.at_text()})"
        )
    if ready:
        return JSONResponse(body)
    return JSONResponse(body, status_code=503, headers={"Retry-After": retry_after("dependency_missing")})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}},
        401: error("Not logged in, or unknown API token"),
        403: error("The caller's role may not read metrics"),
    },
)
def metrics(
    rt: RuntimeDep,
    _: Annotated[Principal, Depends(allow(Role.admin, Role.integrator, Role.analyst))],
) -> Response:
    state = rt.extras.get("peer_state")
    others = state.metrics.values() if isinstance(state, PeerState) else ()
    return Response(rt.metrics.render(others), media_type="text/plain; version=0.0.4")


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    return HTMLResponse(_DOCS)

"""Everything one running service holds, built once from the settings by ``create_app``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from referral.clock import Clock
from referral.forward_clock import ForwardClock
from triage.service.accounts import Accounts
from triage.service.auth import SessionStore
from triage.service.database import Databases
from triage.service.events import EventHub
from triage.service.metrics import ServiceMetrics
from triage.service.security import LoginRateLimiter
from triage.settings import Settings


@dataclass(frozen=True)
class LogRetry:
    """The referral log tried again in the background (``triage/service/wiring.py``): how many
    attempts to open it failed so far, and when the next is - ``next_attempt_at`` by the wall clock
    (seconds since the epoch, to say it), ``due`` by the monotonic clock (to count down to it: the
    retry waits ``asyncio.sleep``, which a clock set back does not lengthen)."""

    failed_attempts: int
    next_attempt_at: float
    due: float = 0.0

    @classmethod
    def after(
        cls,
        failed_attempts: int,
        delay_s: float,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> LogRetry:
        """The next attempt ``delay_s`` from now."""
        return cls(failed_attempts, wall() + delay_s, monotonic() + delay_s)

    def said(self, monotonic_now: float) -> dict[str, Any]:
        """As ``/readyz`` gives it; ``monotonic_now``: ``time.monotonic()`` (by the wall clock, a
        clock set back an hour said the next attempt was an hour away, one a second away)."""
        return {
            "failed_attempts": self.failed_attempts,
            "next_attempt": self.failed_attempts + 1,
            "next_attempt_at": self.at_text(),
            "next_attempt_in_s": round(max(0.0, self.due - monotonic_now), 1),
        }

    def at_text(self) -> str:
        return datetime.fromtimestamp(self.next_attempt_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Readiness:
    """What ``/readyz`` says of this process, as one value: ready or not, why not, and the referral
    log's background retry while there is one. The start-up (``triage/service/wiring.py``, on the
    event loop) replaces the whole value at each step and ``/readyz`` (in a thread) reads it once, so
    an answer never pairs a reason with a retry, or readiness with a reason, of two different steps -
    kept apart, a read between two of the loop's writes answered the folder problem the log no longer
    had, or "loading policy and risk models (retrying in the background ...)" once the retry had ended,
    or "not ready" with no reason as the service became ready."""

    ready: bool = False
    reason: str = "starting"  # what is missing; "" when ready
    retry: LogRetry | None = None  # set while the referral log is tried again in the background


@dataclass
class Runtime:
    settings: Settings
    databases: Databases
    accounts: Accounts
    sessions: SessionStore
    limiter: LoginRateLimiter
    hub: EventHub
    metrics: ServiceMetrics
    clock: Clock  # the clinic's: its day and the pages' times (``[service] timezone``)
    # what session and API token expiry and last use are measured against: never goes back
    wall: ForwardClock = field(default_factory=ForwardClock)
    worker: int = 0  # 0: the primary process (runs the gateway); 1..N-1: ``serve --workers`` helpers
    readiness: Readiness = field(default_factory=Readiness)  # replaced whole, never changed in part
    stopping: bool = False  # asked to stop (Ctrl-C, SIGTERM, SIGHUP): requests still running may be cut short
    stop_cause: str = (
        ""  # what asked it to stop ("sigterm", "ctrl-c", "sighup"): the reason said while it stops
    )
    device_status: Callable[[], list[dict[str, Any]]] = field(default=lambda: [])
    extras: dict[str, Any] = field(default_factory=dict)

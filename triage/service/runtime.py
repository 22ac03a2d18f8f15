"""Everything one running service holds, built once from the settings by ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from referral.clock import Clock
from triage.service.accounts import Accounts
from triage.service.auth import SessionStore
from triage.service.database import Databases
from triage.service.events import EventHub
from triage.service.metrics import ServiceMetrics
from triage.service.security import LoginRateLimiter
from triage.settings import Settings


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
    worker: int = 0  # 0: the primary process (runs the gateway); 1..N-1: ``serve --workers`` helpers
    ready: bool = False
    not_ready_reason: str = "starting"
    device_status: Callable[[], list[dict[str, Any]]] = field(default=lambda: [])
    extras: dict[str, Any] = field(default_factory=dict)

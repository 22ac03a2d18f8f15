"""What the processes of one service tell each other every second (``serve --workers N``).

- The primary, which alone runs the device gateway, sends its readiness and the device links'
  status. A worker answers ``/readyz`` with its own readiness and the primary's, and shows the
  devices as the primary last reported them (at most about a second old). A worker that has heard
  nothing from the primary for :data:`PRIMARY_SILENT_S` is not ready.
- Each worker sends its own readiness: the primary deals connections only to workers that said
  they are ready in the last :data:`WORKER_SILENT_S` (a worker still loading its models, or hung,
  gets none).
- Every process sends when a write found the log's disk full (``disk_full_at``, the monotonic clock;
  :func:`referral.storage.full_since`) or failing (``disk_failing``, :func:`referral.storage.failing`):
  each process that hears it is then not ready too, until its own probe succeeds
  (:func:`referral.storage.full_disk`, :func:`referral.storage.failing_disk`) - a load balancer polling ``/readyz``
  must not keep sending to a process whose own writes have not failed yet - or until a write of any
  process is stored after them (``disk_wrote_at``, :func:`referral.storage.heard_wrote`): a worker
  hands its walk-ins to the primary, whose stored writes say the disk takes them again.
- Every process sends its Prometheus metrics; ``/metrics`` on any process adds them up, so a
  scrape counts the requests and assessments of the whole service, whichever process answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from referral.storage import (
    failing,
    failing_disk,
    full_disk,
    full_since,
    heard_failing,
    heard_full,
    heard_wrote,
    wrote_since,
)
from triage.service.peers import Message
from triage.service.runtime import Readiness, Runtime

STATE_EVERY_S = 1.0
PRIMARY_SILENT_S = 5.0
WORKER_SILENT_S = 3.0


class PeerState:
    """This process's view of the others: the primary's last word and everyone's metrics."""

    def __init__(self, log_path: Path | None = None) -> None:
        self.log_path = log_path  # the referral log, whose full disk the others report
        self.primary: Message | None = None
        self.primary_heard_at = 0.0
        self.metrics: dict[int, str] = {}
        self._workers_ready: dict[int, float] = {}

    def heard_disk(self, message: Message) -> None:
        since, failed = message.get("disk_full_at"), message.get("disk_failing")
        if self.log_path is not None and isinstance(since, int | float):
            heard_full(self.log_path, float(since))
        if self.log_path is not None and isinstance(failed, list) and len(failed) == 3:
            heard_failing(self.log_path, int(failed[0]), float(failed[1]), str(failed[2]))
        wrote = message.get("disk_wrote_at")
        if self.log_path is not None and isinstance(wrote, int | float):
            heard_wrote(self.log_path, float(wrote))

    def heard_worker(self, message: Message) -> None:
        self.heard_disk(message)
        index = int(message.get("worker", -1))
        if message.get("ready"):
            self._workers_ready[index] = time.monotonic()
        else:
            self._workers_ready.pop(index, None)

    def worker_ready(self, index: int) -> bool:
        said = self._workers_ready.get(index)
        return said is not None and time.monotonic() - said <= WORKER_SILENT_S

    def forget_worker(self, index: int) -> None:
        """A worker ended: what it said no longer holds (its successor will speak for itself)."""
        self._workers_ready.pop(index, None)
        self.metrics.pop(index, None)

    def heard_primary(self, message: Message) -> None:
        self.heard_disk(message)
        self.primary = message
        self.primary_heard_at = time.monotonic()

    def heard_metrics(self, message: Message) -> None:
        self.metrics[int(message.get("worker", -1))] = str(message.get("text", ""))

    def primary_ready(self) -> tuple[bool, str]:
        if self.primary is None:
            return False, "waiting for the primary process"
        silent = time.monotonic() - self.primary_heard_at
        if silent > PRIMARY_SILENT_S:
            return False, f"no word from the primary process for {silent:.0f} s"
        if not self.primary.get("ready"):
            return False, f"primary process: {self.primary.get('reason') or 'not ready'}"
        return True, ""

    def devices(self) -> list[dict[str, Any]]:
        rows = (self.primary or {}).get("devices") or []
        return [dict(row) for row in rows if isinstance(row, dict)]


def install(runtime: Runtime) -> PeerState:
    """Listen for the others' state; on a worker, read readiness and devices from the primary."""
    state = PeerState(runtime.databases.path)
    runtime.extras["peer_state"] = state
    runtime.hub.on_message("primary", state.heard_primary)
    runtime.hub.on_message("metrics", state.heard_metrics)
    runtime.hub.on_message("worker", state.heard_worker)
    if runtime.worker != 0:
        runtime.device_status = state.devices
    return state


def readiness(runtime: Runtime) -> Readiness:
    """This process's readiness, and on a worker the primary's too; not ready while the log's disk
    is full (after a write of any process found it so, until it has room again: every write would
    fail), nor while it fails (reads or writes of this process failed at the disk, and a test
    write fails too). The process's own is read once: its reason and retry are of one moment."""
    own = runtime.readiness
    if not own.ready:
        return own
    full = full_disk(runtime.databases.path) or failing_disk(runtime.databases.path)
    if full is not None:
        return Readiness(False, full)
    state = runtime.extras.get("peer_state")
    if runtime.worker != 0 and isinstance(state, PeerState):
        return Readiness(*state.primary_ready())
    return own


async def share_forever(runtime: Runtime) -> None:
    """Send this process's state to the others every second until cancelled."""
    tick = 0
    while not runtime.readiness.ready and runtime.worker != 0:  # a worker speaks up the moment it is ready
        await asyncio.sleep(0.05)
    while True:
        with contextlib.suppress(Exception):  # a failed snapshot must never stop the sharing
            disk = {
                "disk_full_at": full_since(runtime.databases.path),
                "disk_failing": failing(runtime.databases.path),
                "disk_wrote_at": wrote_since(runtime.databases.path),
            }
            own = runtime.readiness  # read once: its readiness and reason of one moment
            if runtime.worker != 0:
                runtime.hub.share({"t": "worker", "worker": runtime.worker, "ready": own.ready, **disk})
            else:
                runtime.hub.share(
                    {
                        "t": "primary",
                        "ready": own.ready,
                        "reason": own.reason,
                        "devices": _jsonable(runtime.device_status()),
                        **disk,
                    }
                )
            if tick % 2 == 0:
                # Rendering takes milliseconds (10 ms with 40 routes): not on the event loop.
                text = (await asyncio.to_thread(runtime.metrics.render)).decode()
                runtime.hub.share({"t": "metrics", "worker": runtime.worker, "text": text})
        tick += 1
        await asyncio.sleep(STATE_EVERY_S)


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} for row in rows]

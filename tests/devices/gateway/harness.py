"""Shared test helpers: a gateway running in the test's event loop, pty pairs, DB queries."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from devices.endpoint import DeviceEndpoint
from devices.gateway import Gateway, GatewayResult
from devices.session import Clock, FakeClock
from devices.transports.link import Link


@asynccontextmanager
async def running_gateway(
    endpoints: Sequence[DeviceEndpoint],
    db_path: Path,
    *,
    clock: Clock | None = None,
    wire_log_dir: Path | None = None,
    delivered: list[GatewayResult] | None = None,
) -> AsyncIterator[Gateway]:
    sink = delivered if delivered is not None else []
    gateway = Gateway(endpoints, db_path, on_results=sink.extend, clock=clock, wire_log_dir=wire_log_dir)
    task = asyncio.create_task(gateway.run())
    ready = asyncio.create_task(gateway.wait_ready())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        await task
    try:
        yield gateway
    finally:
        gateway.stop()
        await asyncio.wait_for(task, 10)


def result_keys(db_path: Path) -> list[tuple[str, str, str]]:
    """(sample id, vendor code, status) of every stored result, in id order."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT sample_id, vendor_code, status FROM device_results ORDER BY id"
        ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


#: How long a test waits for what the gateway does (a result stored, a link up, a session ended),
#: and for a device's acknowledgement: 5 s, and 3 s for an ACK, were a loaded machine's normal - CI
#: runs two workers on two cores - and what only comes when something is wrong fails after this.
WAIT_S = 60.0


async def wait_until(predicate: object, timeout_s: float = WAIT_S) -> None:
    """Poll ``predicate()`` every 10 ms until it is true; AssertionError after ``timeout_s``."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not reached within {timeout_s:.1f} s")
        await asyncio.sleep(0.01)


class ProgressLink:
    """Counts bytes moved through a link, so an auto-advancing fake clock knows when all is idle."""

    def __init__(self, link: Link, progress: list[int]) -> None:
        self._link = link
        self._progress = progress
        self.label = link.label

    async def read(self) -> bytes:
        data = await self._link.read()
        self._progress[0] += 1
        return data

    async def write(self, data: bytes) -> None:
        self._progress[0] += 1
        await self._link.write(data)

    async def close(self) -> None:
        await self._link.close()


async def advance_when_idle(
    clock: FakeClock,
    progress: list[int],
    stop: asyncio.Event,
    *,
    jump_rate: float = 0.0,
    rng: random.Random | None = None,
) -> int:
    """Move the fake clock to the next timer whenever nothing has moved for a while. With
    ``jump_rate``, also jump 1-40 s at random moments (bytes in flight, timers firing mid-message).
    Returns the number of jumps."""
    jumps = 0
    while not stop.is_set():
        seen = progress[0]
        for _ in range(30):
            await asyncio.sleep(0)
        if rng is not None and rng.random() < jump_rate:
            jumps += 1
            clock.advance(rng.uniform(1.0, 40.0))
        elif progress[0] == seen and (wake := clock.next_wakeup()) is not None:
            clock.advance(max(0.0, wake - clock.now()))
    return jumps

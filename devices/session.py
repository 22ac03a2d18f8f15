"""One device session: a link, a sans-IO protocol driver, a clock, and the persist-before-ACK rule.

The driver (ASTM receiver, MLLP/HL7 receiver, line reader; see ``devices.link_drivers``) turns
bytes and timer ticks into an ORDERED list of events. The session executes them in order:

* ``Send(data)`` - write bytes to the device (ACK, NAK, an HL7 ACK message);
* ``Received(raw)`` - a complete message: it is decoded and written to SQLite, and the COMMIT
  returns before any later event in the same list runs. Drivers therefore put a message's final
  acknowledgement AFTER its ``Received`` event: the device is acknowledged only for data that is
  on disk (devices.md section 7 item 29).
* ``Discarded(reason)`` - a partial message was dropped (receiver timeout, link abort); nothing is
  committed and, since the final ACK was never sent, the device still owns the message.
* ``Tolerated(switch)`` - a per-device quirk switch fired, or a quirk accepted without one
  (``devices.tolerance.ACCEPTED_QUIRKS``); counted in the status and wire log (``wire_note``).
* ``Rejected(reason, offset)`` - a frame was NAKed (bad checksum, frame number, trailer...): the
  device resends it; counted, logged with the byte offset and the reason, noted in the wire log.
* ``Junk(reason, raw, offset)`` - bytes outside any message; quarantined with the raw bytes.
* ``Ignored(size, offset)`` - bytes outside a session the protocol ignores (ASTM before ENQ):
  counted, the first of a session logged (line noise, a wrong baud rate or parity).
* ``Refused(what, note)`` - the device refused one of the host's own messages (a POCT1-A2 ``AE``
  or ``ESC`` to a REQ/DTV): counted, and the device's note written to the session (wire) log.
* ``Unhandled(what)`` - a message the driver does not handle (a POCT1-A2 ``OPL.R02`` or ``EVS.R01``
  from the device): counted by what, logged and noted in the wire log, never an error.
* ``Unchanged()`` - a continuous device's reading without a significant change since the last one
  stored, within the profile's interval (``devices.continuous_sampling``): counted, not stored (its bytes are in the
  wire log's rx lines).

When the link is lost (an unplugged adapter, a closed connection) the driver's ``link_lost``
returns a message the end of the stream completes (a line ended by a lone CR) as ``Received``,
and what it held of an unfinished message as ``Discarded``: nothing of that was committed or
acknowledged, so an ASTM, HL7 or POCT1-A2 device still owns it.

Timers (15/20/30 s LIS01-A2 timers) run on an injectable ``Clock``; tests use ``FakeClock``.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from devices.tolerance import wire_note
from devices.transports.link import Link, LinkClosed
from devices.wire_log import WireLog


@dataclass(frozen=True, slots=True)
class Send:
    data: bytes


@dataclass(frozen=True, slots=True)
class Received:
    raw: bytes
    #: where the message's bytes lie in the session's stream, as the driver's framer cut them:
    #: (byte of ``raw``, byte of the stream) at the start of each piece - one per ASTM frame, one
    #: for an MLLP frame's message, a line or a POCT1-A2 message, one per line of a BLE record
    pieces: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Discarded:
    reason: str
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class Tolerated:
    switch: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """A frame the driver answered with NAK: ``reason`` says why (no patient data), ``offset`` is
    the byte of the session's stream where the frame started."""

    reason: str
    offset: int


@dataclass(frozen=True, slots=True)
class Ignored:
    """Bytes outside any session that the protocol says to ignore (ASTM: no ENQ before them):
    not stored, but counted and reported - line noise, or a device at another baud rate or
    parity, or one that speaks another protocol, shows only this way."""

    size: int
    offset: int


@dataclass(frozen=True, slots=True)
class Junk:
    """Bytes that belong to no message (e.g. outside an MLLP frame): quarantined with their offset."""

    reason: str
    raw: bytes
    offset: int


@dataclass(frozen=True, slots=True)
class Refused:
    """The device refused a message the host sent: ``what`` names it (``REQ.R01 ROBS``, no patient
    data), ``note`` is the device's own text (may name anything, so it goes to the wire log only)."""

    what: str
    note: str


@dataclass(frozen=True, slots=True)
class Unhandled:
    """A message the driver does not handle: ``what`` names its kind (``OPL.R02 from the
    device``), never its content; its bytes are in the wire log's rx lines."""

    what: str


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A reading the same as the last one stored: counted, not stored."""


LinkEvent = (
    Send | Received | Discarded | Tolerated | Rejected | Ignored | Junk | Refused | Unhandled | Unchanged
)


class LinkDriver(Protocol):
    """A sans-IO receiver for one session. ``now`` is seconds on the session's clock."""

    protocol: str

    def feed(self, data: bytes, now: float) -> list[LinkEvent]: ...

    def poll(self, now: float) -> list[LinkEvent]:
        """Fire timers due at ``now``."""
        ...

    def next_deadline(self) -> float | None:
        """When ``poll`` must next be called, or None if no timer runs."""
        ...

    def link_lost(self, reason: str) -> list[LinkEvent]:
        """The link closed (``reason``): ``Discarded`` for an unfinished message it held, if any."""
        ...


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep_until(self, deadline: float) -> None: ...


class MonotonicClock:
    """The real clock: ``time.monotonic`` and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))


class FakeClock:
    """A clock that moves only when a test calls ``advance``; sleepers wake in deadline order."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._order), future))
        await future

    def next_wakeup(self) -> float | None:
        """The earliest deadline anyone sleeps until, or None."""
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    def advance(self, seconds: float) -> None:
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)


MessageHandler = Callable[[Received, "SessionInfo"], Awaitable[None]]


@dataclass
class SessionInfo:
    device_id: str
    session_id: str
    protocol: str
    label: str


@dataclass
class SessionCounters:
    bytes_in: int = 0
    bytes_out: int = 0
    messages: int = 0
    discarded: int = 0
    unchanged: int = 0


async def run_session(
    link: Link,
    driver: LinkDriver,
    info: SessionInfo,
    *,
    clock: Clock,
    on_message: MessageHandler,
    on_discard: Callable[[str], None],
    on_tolerated: Callable[[str], None],
    on_junk: Callable[[Junk, SessionInfo], None],
    wire_log: WireLog | None = None,
    counters: SessionCounters | None = None,
    on_refused: Callable[[str], None] | None = None,
    on_unchanged: Callable[[], None] | None = None,
    on_unhandled: Callable[[str], None] | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_ignored: Callable[[Ignored], None] | None = None,
) -> None:
    """Drive one session until the link closes (``LinkClosed`` propagates to the caller).

    ``on_message`` must persist the message durably before it returns; the session awaits it
    before executing the next event (typically the final ACK).
    """
    counts = counters if counters is not None else SessionCounters()

    def discard(event: Discarded) -> None:
        counts.discarded += 1
        if wire_log is not None:
            wire_log.note(f"partial message discarded: {event.reason}")
        on_discard(event.reason)

    read_task: asyncio.Task[bytes] = asyncio.ensure_future(link.read())
    timer_task: asyncio.Task[None] | None = None
    timer_deadline: float | None = None
    try:
        while True:
            deadline = driver.next_deadline()
            # Keep a pending timer unless the driver now needs an earlier wake-up (or none): waking
            # early is harmless, poll() fires nothing before the deadline and a new timer is armed.
            if deadline != timer_deadline and (
                timer_deadline is None or deadline is None or deadline < timer_deadline
            ):
                if timer_task is not None:
                    timer_task.cancel()
                timer_task = (
                    asyncio.ensure_future(clock.sleep_until(deadline)) if deadline is not None else None
                )
                timer_deadline = deadline
            waiting: set[asyncio.Future[object]] = {read_task}  # type: ignore[arg-type]
            if timer_task is not None:
                waiting.add(timer_task)  # type: ignore[arg-type]
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            events: list[LinkEvent] = []
            if read_task in done:
                try:
                    data = read_task.result()
                except LinkClosed as exc:
                    # A message the end of the stream completes is stored; whatever the driver
                    # held of an unfinished one is dropped, and said so. Nothing can be sent now.
                    for lost in driver.link_lost(str(exc)):
                        if isinstance(lost, Received):
                            counts.messages += 1
                            await on_message(lost, info)
                        elif isinstance(lost, Discarded):
                            discard(lost)
                    raise
                counts.bytes_in += len(data)
                if wire_log is not None:
                    wire_log.rx(data)
                events += driver.feed(data, clock.now())
                read_task = asyncio.ensure_future(link.read())
            if timer_task is not None and timer_task in done:
                timer_task = None
                timer_deadline = None
                events += driver.poll(clock.now())
            for event in events:
                if isinstance(event, Send):
                    if wire_log is not None:
                        wire_log.tx(event.data)
                    await link.write(event.data)
                    counts.bytes_out += len(event.data)
                elif isinstance(event, Received):
                    counts.messages += 1
                    await on_message(event, info)
                elif isinstance(event, Discarded):
                    discard(event)
                elif isinstance(event, Rejected):
                    if wire_log is not None:
                        wire_log.note(f"frame at offset {event.offset} rejected (NAK): {event.reason}")
                    if on_rejected is not None:
                        on_rejected(event)
                elif isinstance(event, Ignored):
                    if wire_log is not None:
                        wire_log.note(
                            f"{event.size} bytes at offset {event.offset} ignored: outside a session"
                        )
                    if on_ignored is not None:
                        on_ignored(event)
                elif isinstance(event, Junk):
                    if wire_log is not None:
                        wire_log.note(
                            f"quarantined {len(event.raw)} bytes at offset {event.offset}: {event.reason}"
                        )
                    on_junk(event, info)
                elif isinstance(event, Refused):
                    if wire_log is not None:
                        wire_log.note(f"the device refused {event.what}: {event.note or '(no note)'}")
                    if on_refused is not None:
                        on_refused(event.what)
                elif isinstance(event, Unhandled):
                    if wire_log is not None:
                        wire_log.note(f"not handled by the gateway: {event.what}")
                    if on_unhandled is not None:
                        on_unhandled(event.what)
                elif isinstance(event, Unchanged):
                    counts.unchanged += 1
                    if on_unchanged is not None:
                        on_unchanged()
                else:
                    if wire_log is not None:
                        wire_log.note(wire_note(event.switch))
                    on_tolerated(event.switch)
    finally:
        for task in (read_task, timer_task):
            if task is not None and not task.done():
                task.cancel()
        for task in (read_task, timer_task):
            if task is not None:
                # The torn-down read may end in LinkClosed or cancellation; neither matters now.
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

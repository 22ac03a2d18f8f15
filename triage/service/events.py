"""Live updates for the staff pages: an in-process hub fanned out as server-sent events.

The pipeline publishes small events (``queue`` when an encounter's assessment or referral changed,
``device`` when a device link changed). Each open page holds one subscription; a slow or gone
browser never blocks a publisher: its queue is bounded and the oldest event is dropped (the page
re-reads the whole queue on any event, so nothing is lost by dropping). Events carry ids only,
never patient identifiers.

With several worker processes (``triage serve --workers N``) each process has its own hub, joined
to the others by :class:`~triage.service.peers.PeerLink` lines: an event published in one process
reaches the pages open on every process. The primary relays between workers. Events bound for
other processes are gathered for :data:`SHARE_EVERY_S` and sent as one message: a walk-in
publishes two events, and at 300 walk-ins/s sending each on its own took about a tenth of the
primary's CPU (measured with py-spy). The same lines carry other small shared messages, handled by
whoever registered for their type (:meth:`on_message`).

An event announces something stored, so it must not arrive before the commit: a page re-reading
the queue on it would read the log as it was and no later event would correct it. A unit of the
group commit (``triage.service.commit``) runs inside the batch's open transaction; what it
publishes is held (:class:`HeldEvents`) and published once the batch is committed, or dropped
with the unit when it fails.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncGenerator, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from triage.service.peers import Message, PeerLink

KEEPALIVE_S = 15.0
SHARE_EVERY_S = 0.05  # events for other processes wait at most this long, gathered into one message


# the events published by the group-commit unit running now, not yet committed (None: publish now)
_HELD: ContextVar[list[tuple[EventHub, str, dict[str, Any]]] | None] = ContextVar("held_events", default=None)


@dataclass(frozen=True)
class Event:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        return f"event: {self.kind}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n".encode()


def _call_on(loop: asyncio.AbstractEventLoop, callback: Callable[..., Any], *args: Any) -> None:
    """Call now when on ``loop``'s thread, else hand the call to the loop (publishers run anywhere)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        callback(*args)
    else:
        loop.call_soon_threadsafe(callback, *args)


class EventHub:
    """Thread-safe publish; async subscribe. Bind to the running loop with :meth:`bind`."""

    def __init__(self, queue_size: int = 100) -> None:
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[Event]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self.published = 0
        self.closed = False
        self._links: list[PeerLink] = []
        self._relay = False
        self._handlers: dict[str, Callable[[Message], None]] = {}
        self._on_link_closed: Callable[[PeerLink], None] | None = None
        self._outgoing: list[list[Any]] = []  # [kind, data] for the other processes, not yet sent

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        for link in self._links:
            link.listen(loop, self._received, self._closed)

    def join(
        self, link: PeerLink, *, relay: bool, on_closed: Callable[[PeerLink], None] | None = None
    ) -> None:
        """Join another process's hub. ``relay``: this is the primary, which passes each worker's
        messages on to the other workers. ``on_closed`` is called when the link ends."""
        self._relay = relay
        self._on_link_closed = on_closed
        self._links.append(link)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(link.listen, self._loop, self._received, self._closed)

    @property
    def peer_count(self) -> int:
        return sum(1 for link in self._links if not link.closed)

    def on_message(self, kind: str, handler: Callable[[Message], None]) -> None:
        """Handle shared messages of type ``kind`` sent by other processes (see :meth:`share`)."""
        self._handlers[kind] = handler

    def share(self, message: Message, *, skip: PeerLink | None = None) -> None:
        """Send ``message`` (with a ``t`` type) to the other processes; any thread may call this."""
        for link in list(self._links):
            if link is not skip and not link.closed:
                link.send(message)

    def _received(self, link: PeerLink, message: Message) -> None:
        kind = message.get("t")
        if kind == "events":
            if self._subscribers:
                for item in message.get("events") or []:
                    if isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict):
                        self._deliver(Event(str(item[0]), item[1]))
        else:
            handler = self._handlers.get(str(kind))
            if handler is not None:
                handler(message)
        if self._relay:
            self.share(message, skip=link)

    def _closed(self, link: PeerLink) -> None:
        self._links = [x for x in self._links if x is not link]
        if self._on_link_closed is not None:
            self._on_link_closed(link)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def _deliver(self, event: Event) -> None:
        for queue in list(self._subscribers):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    def close(self) -> None:
        """End every open stream (the server is shutting down); safe from any thread."""
        self.closed = True
        self.publish("bye")

    def publish(self, kind: str, **data: Any) -> None:
        """Publish from any thread (request handlers run in a thread pool); inside a unit of the
        group commit, once its batch is committed (:class:`HeldEvents`)."""
        held = _HELD.get()
        if held is not None and kind != "bye":
            held.append((self, kind, data))
            return
        event = Event(kind, data)
        with self._lock:
            self.published += 1
        if self._links and kind != "bye":
            self._share_soon(kind, data)
        loop = self._loop
        if loop is None or loop.is_closed() or (not self._subscribers and kind != "bye"):
            return
        _call_on(loop, self._deliver, event)

    def _share_soon(self, kind: str, data: dict[str, Any]) -> None:
        """Queue an event for the other processes; the first one queued schedules the send."""
        with self._lock:
            self._outgoing.append([kind, data])
            first = len(self._outgoing) == 1
        loop = self._loop
        if not first:
            return
        if loop is None or loop.is_closed():
            self._send_outgoing()
            return
        _call_on(loop, loop.call_later, SHARE_EVERY_S, self._send_outgoing)

    def _send_outgoing(self) -> None:
        with self._lock:
            events, self._outgoing = self._outgoing, []
        if events:
            self.share({"t": "events", "events": events})

    async def stream(self, stop: asyncio.Event | None = None) -> AsyncGenerator[bytes, None]:
        """SSE bytes for one subscriber: a hello, then events, with keep-alive comments."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            yield b"retry: 2000\n\n" + Event("hello").encode()
            while not self.closed and (stop is None or not stop.is_set()):
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if event.kind == "bye":
                    return
                yield event.encode()
        finally:
            self._subscribers.discard(queue)


class HeldEvents:
    """The events published while this context is entered (in the current thread or task), held
    until :meth:`publish` - called once what they announce is committed. Not published, they are
    dropped: what they announced was rolled back."""

    def __init__(self) -> None:
        self._events: list[tuple[EventHub, str, dict[str, Any]]] = []
        self._token: Token[list[tuple[EventHub, str, dict[str, Any]]] | None] | None = None

    def __enter__(self) -> HeldEvents:
        self._token = _HELD.set(self._events)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _HELD.reset(self._token)
            self._token = None

    def publish(self) -> None:
        events, self._events = self._events, []
        for hub, kind, data in events:
            hub.publish(kind, **data)

"""Live updates for the staff pages: an in-process hub fanned out as server-sent events.

The pipeline publishes small events (``queue`` when an encounter's assessment or referral changed,
``device`` when a device link changed). Each open page holds one subscription; a slow or gone
browser never blocks a publisher: its queue is bounded and the oldest event is dropped (the page
re-reads the whole queue on any event, so nothing is lost by dropping). Events carry ids only,
never patient identifiers.

With several worker processes (``triage serve --workers N``) each process has its own hub, joined
to the others by :class:`~triage.service.peers.PeerLink` lines: an event published in one process
reaches the pages open on every process. The primary relays between workers. The same lines carry
other small shared messages, handled by whoever registered for their type (:meth:`on_message`).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from triage.service.peers import Message, PeerLink

KEEPALIVE_S = 15.0


@dataclass(frozen=True)
class Event:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        return f"event: {self.kind}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n".encode()


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
        if kind == "event":
            event = Event(str(message.get("kind")), dict(message.get("data") or {}))
            if self._subscribers:
                self._deliver(event)
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
        """Publish from any thread (request handlers run in a thread pool)."""
        event = Event(kind, data)
        with self._lock:
            self.published += 1
        if self._links and kind != "bye":
            self.share({"t": "event", "kind": kind, "data": data})
        loop = self._loop
        if loop is None or loop.is_closed() or (not self._subscribers and kind != "bye"):
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(event)
        else:
            loop.call_soon_threadsafe(self._deliver, event)

    async def stream(self, stop: asyncio.Event | None = None) -> AsyncIterator[bytes]:
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

"""The sending side of ASTM E1381 / LIS01-A2 as a sans-IO state machine (see ``astm_link``).

Establishment (ENQ, retried after NAK), transfer (each record starts a new frame,
``frame_text_size`` text per frame, retransmission on NAK), termination, abort after exactly
``max_tries`` failed tries with the whole message kept for a full resend, contention and the
receiver's interrupt request. Nothing here reads a port or a wall clock.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

from devices.codecs.astm_events import (
    Clock,
    Contention,
    InterruptRequested,
    LinkSide,
    MessageAborted,
    MessageSent,
)
from devices.codecs.astm_frame import ACK, ENQ, EOT, NAK, build_frame, split_records
from devices.errors import SenderStateError
from devices.profile import DeviceProfile


class _SState(Enum):
    IDLE = "idle"
    WAIT_ENQ_REPLY = "wait_enq_reply"
    TRANSFER = "transfer"
    BACKOFF = "backoff"  # after NAK to ENQ (10 s), contention (instrument 1 s), abort or interrupt hold
    YIELDED = "yielded"  # host yielded to the instrument after contention (20 s)


class AstmSender(LinkSide):
    """The sending side of LIS01-A2. Queue messages with :meth:`send` (a list of records, each
    without its CR terminator); the sender establishes, transfers and terminates on its own."""

    def __init__(self, profile: DeviceProfile, clock: Clock) -> None:
        super().__init__(profile, clock)
        self._queue: deque[tuple[bytes, ...]] = deque()
        self._state = _SState.IDLE
        self._frames: list[bytes] = []
        self._index = 0
        self._failed = 0
        self._current: tuple[bytes, ...] | None = None
        self._interrupted = False
        self.transmissions = 0  # frames written, including retransmissions (for metrics and tests)

    @property
    def state(self) -> str:
        return self._state.value

    @property
    def pending(self) -> int:
        """Messages not yet fully acknowledged (queued or in transfer)."""
        return len(self._queue) + (1 if self._current is not None else 0)

    def send(self, records: list[bytes] | tuple[bytes, ...]) -> bytes:
        """Queue one LIS2 message; returns any bytes to write now (ENQ when the link is idle)."""
        if not records:
            raise SenderStateError("cannot send an empty ASTM message (give at least H and L records)")
        split_records(list(records), self.profile.link.frame_text_size)  # validate now, not mid-session
        self._queue.append(tuple(records))
        if self._state is _SState.IDLE:
            self._establish()
        return self.data_to_send()

    def enqueue(self, records: list[bytes] | tuple[bytes, ...]) -> None:
        """Queue a message without starting establishment (the peer is mid-session)."""
        if not records:
            raise SenderStateError("cannot send an empty ASTM message (give at least H and L records)")
        split_records(list(records), self.profile.link.frame_text_size)
        self._queue.append(tuple(records))

    def receive_data(self, data: bytes) -> bytes:
        """Feed the peer's replies; returns ENQ bytes seen during establishment that belong to the
        peer's own session (contention) so an :class:`AstmEndpoint` can route them."""
        routed = bytearray()
        for i, byte in enumerate(data):
            b = bytes([byte])
            if self._state is _SState.WAIT_ENQ_REPLY:
                if b == ACK:
                    self._start_transfer()
                elif b == NAK:
                    self._backoff(self.profile.link.nak_backoff)
                elif b == ENQ:
                    if self.profile.link.role == "host":
                        self._state = _SState.YIELDED
                        self._deadline = self.clock() + self.profile.link.contention_wait
                        self._events.append(Contention(yielded=True))
                        routed += data[i:]
                        return bytes(routed)
                    self._backoff(self.profile.link.contention_backoff)
                    self._events.append(Contention(yielded=False))
                # other characters while waiting for the ENQ reply are ignored
            elif self._state is _SState.TRANSFER:
                if b == ACK:
                    self._frame_done()
                elif b == EOT:
                    self._events.append(InterruptRequested())
                    self._interrupted = True
                    self._frame_done()
                else:
                    self._frame_failed(f"reply 0x{byte:02X} to frame")
            else:
                routed += b
        return bytes(routed)

    def handle_timeout(self, now: float) -> None:
        if self._deadline is None or now < self._deadline:
            return
        if self._state is _SState.WAIT_ENQ_REPLY:
            self._out += EOT
            self._events.append(
                MessageAborted(
                    f"no reply to ENQ within {self.profile.link.reply_timeout:g} s", self._queue[0]
                )
            )
            self._backoff(self.profile.link.nak_backoff)
        elif self._state is _SState.TRANSFER:
            self._abort(f"no reply to frame within {self.profile.link.reply_timeout:g} s")
        elif self._state in (_SState.BACKOFF, _SState.YIELDED):
            self._state = _SState.IDLE
            self._deadline = None
            if self._queue:
                self._establish()

    def peer_session_ended(self) -> None:
        """The peer's session (the one we yielded to, or one that arrived while we were idle) is
        over: resume sending what is queued."""
        if self._state in (_SState.YIELDED, _SState.IDLE):
            self._state = _SState.IDLE
            self._deadline = None
            if self._queue:
                self._establish()

    # -- internals

    def _establish(self) -> None:
        self._out += ENQ
        self._state = _SState.WAIT_ENQ_REPLY
        self._deadline = self.clock() + self.profile.link.reply_timeout

    def _backoff(self, seconds: float) -> None:
        self._state = _SState.BACKOFF
        self._deadline = self.clock() + seconds

    def _start_transfer(self) -> None:
        self._current = self._queue.popleft()
        texts = split_records(list(self._current), self.profile.link.frame_text_size)
        self._frames = [build_frame(n + 1, text, final) for n, (text, final) in enumerate(texts)]
        self._index = 0
        self._state = _SState.TRANSFER
        self._write_frame()

    def _write_frame(self) -> None:
        self._out += self._frames[self._index]
        self.transmissions += 1
        self._deadline = self.clock() + self.profile.link.reply_timeout

    def _frame_done(self) -> None:
        self._index += 1
        self._failed = 0
        if self._index < len(self._frames):
            self._write_frame()  # an interrupt mid-message is ignored; the message is finished first
            return
        assert self._current is not None
        self._out += EOT
        self._events.append(MessageSent(self._current))
        self._current = None
        if self._interrupted:
            self._interrupted = False
            self._backoff(self.profile.link.reply_timeout)  # hold ENQ for 15 s after an interrupt
            return
        self._state = _SState.IDLE
        self._deadline = None
        if self._queue:
            self._establish()

    def _frame_failed(self, why: str) -> None:
        self._failed += 1
        if self._failed >= self.profile.link.max_tries:
            self._abort(f"{self._failed} failed tries of frame {self._index + 1} (last: {why})")
            return
        self._write_frame()

    def _abort(self, reason: str) -> None:
        assert self._current is not None
        self._out += EOT
        self._queue.appendleft(self._current)  # the whole message is sent again later
        self._events.append(MessageAborted(reason, self._current))
        self._current = None
        self._failed = 0
        self._interrupted = False
        self._backoff(self.profile.link.nak_backoff)

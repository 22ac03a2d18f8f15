"""ASTM E1381 / CLSI LIS01-A2 link layer as sans-IO state machines (h11 style).

Nothing here reads or writes a port or looks at a wall clock. The caller (the gateway):

1. feeds received bytes with ``receive_data(data)``;
2. drains ``next_event()`` until it returns ``None``;
3. writes ``data_to_send()`` to the wire;
4. calls ``handle_timeout(now)`` when ``next_deadline()`` (a value of the injected ``clock``)
   has passed.

:class:`AstmReceiver` answers ENQ and frames (ACK/NAK), applies the frame-number rules (1..7, 0;
a resent frame with the last accepted number is ACKed and not appended twice), joins ETB frames,
and emits one :class:`MessageReceived` per LIS2 message (H ... L). An ENQ inside a session followed
by silence may be a sender that restarted or line noise in a sender's pause between frames: its
partial message is discarded and the ENQ answered NAK (busy), the one reply that is right either
way; the session ends and the sender's next ENQ opens a new one (an ENQ followed by more bytes is
line noise, ignored). :class:`AstmSender` runs
establishment, transfer (each record starts a new frame, ``frame_text_size`` text per frame) and
termination, retransmits on NAK, aborts after exactly ``max_tries`` (6) failed tries and keeps the
whole message for a full resend. :class:`AstmEndpoint` combines both on one wire and resolves
contention (the instrument has priority; the host yields and waits 20 s for the instrument's ENQ).
"""

from __future__ import annotations

import logging
import re
from enum import Enum

from devices.codecs.astm_events import (
    BytesIgnored,
    Clock,
    Contention,
    EnqRefused,
    Event,
    FrameAccepted,
    FrameRejected,
    InterruptRequested,
    LinkEstablished,
    LinkSide,
    MessageAborted,
    MessageDiscarded,
    MessageReceived,
    MessageSent,
    SessionEnded,
)
from devices.codecs.astm_frame import (
    ACK,
    CR,
    ENQ,
    ENQ_I,
    EOT,
    EOT_I,
    LF,
    NAK,
    STX,
    STX_I,
    scan_frame,
    verify_checksum_case,
)
from devices.codecs.astm_sender import AstmSender
from devices.profile import DeviceProfile
from devices.tolerance import ToleranceCounter
from referral.errors import json_text
from referral.plurals import counted

# The link layer's names in one place (events from astm_events, the sender from astm_sender).
__all__ = [
    "AstmEndpoint",
    "AstmReceiver",
    "AstmSender",
    "BytesIgnored",
    "Clock",
    "Contention",
    "EnqRefused",
    "Event",
    "FrameAccepted",
    "FrameRejected",
    "InterruptRequested",
    "LinkEstablished",
    "MessageAborted",
    "MessageDiscarded",
    "MessageReceived",
    "MessageSent",
    "SessionEnded",
]

log = logging.getLogger("devices.astm_link")
_STX_EOT_OR_ENQ = re.compile(rb"[\x02\x04\x05]")
#: what comes after a frame's checksum instead of CR LF, in an integrator's words
_AFTER_CHECKSUM = {STX_I: "the next frame's STX", EOT_I: "EOT", ENQ_I: "ENQ"}
#: Bytes a healthy link may leave between sessions (a late ACK/NAK/EOT, line ends, flow control).
_LINK_CONTROL = frozenset(b"\x00\x04\x06\x0a\x0d\x11\x13\x15")


# ---------------------------------------------------------------- receiver


class _RState(Enum):
    NEUTRAL = "neutral"
    RECEIVING = "receiving"


class AstmReceiver(LinkSide):
    """The receiving side of LIS01-A2 (normally the host). See the module docstring for the loop."""

    def __init__(
        self,
        profile: DeviceProfile,
        clock: Clock,
        *,
        counter: ToleranceCounter | None = None,
        hold_final_ack: bool = False,
    ) -> None:
        super().__init__(profile, clock)
        self.counter = counter or ToleranceCounter()
        self.hold_final_ack = hold_final_ack
        self.busy = False  # set True to answer ENQ with NAK
        self._buf = bytearray()
        self._consumed = 0  # bytes dropped from the front of _buf since creation
        self._state = _RState.NEUTRAL
        self._pending = bytearray()
        self._pieces: list[tuple[int, int]] = []  # (byte of _pending, byte of the stream) per frame
        self._record_start = 0
        self._last_fn: int | None = None
        self._last_text: bytes | None = None
        self._prev_fn: int | None = None
        self._prev_text: bytes | None = None
        self._trailer_start: int | None = None
        self._trailer_bytes = b""
        self._interrupt = False
        self._held: bytes | None = None
        self._message_frames = 0
        #: an ENQ inside a session, then silence until this time: the sender restarted (see _process)
        self._restart_at: float | None = None
        self._lowercase_said = False  # a lowercase checksum's WARNING: once per connection

    # -- public API

    @property
    def state(self) -> str:
        return self._state.value

    @property
    def frames_of_unfinished_message(self) -> int:
        """Frames accepted of a message whose last frame has not come, with no frame half-read
        after them (what ``link_lost`` would discard); 0 otherwise."""
        if self._state is not _RState.RECEIVING or STX in self._buf:
            return 0
        return self._message_frames

    def receive_data(self, data: bytes) -> None:
        """Feed bytes exactly as read from the wire, in any chunking."""
        self._buf += data
        self._process()

    def next_deadline(self) -> float | None:
        times = [t for t in (self._deadline, self._restart_at) if t is not None]
        return min(times) if times else None

    def handle_timeout(self, now: float) -> None:
        """30 s without a frame or EOT: discard the partial message, go neutral. An ENQ inside the
        session followed by ``[link] enq_restart_quiet`` of silence: see :meth:`_restart`."""
        if self._restart_at is not None and now >= self._restart_at and self._state is _RState.RECEIVING:
            self._restart()
            return
        if self._deadline is None or now < self._deadline or self._state is not _RState.RECEIVING:
            return
        # The bytes of a frame cut short stay no longer: read at the next ENQ they were reported
        # as "bytes outside a session" (line noise, check the baud rate), which they are not.
        self._discard_unfinished(
            f"receiver timeout: no frame or EOT within {self.profile.link.receive_timeout:g} s"
        )
        self._events.append(SessionEnded("timeout"))
        self._to_neutral()

    def link_lost(self, reason: str) -> None:
        """The link closed (``reason``): an unfinished message - accepted frames without the L
        record's final frame, or part of a frame - is discarded (``MessageDiscarded``, naming the
        frames and the byte). Its final ACK was never sent, so the device resends it."""
        self._discard_unfinished(f"link lost ({reason})")
        self._to_neutral()

    def _discard_unfinished(self, why: str) -> None:
        """Drop the unfinished message and the bytes of an unfinished frame, saying ``why`` with
        the accepted frames and the unfinished frame's byte (a frame cut short counts even when
        no frame of its message was accepted yet)."""
        stx = self._buf.find(STX) if self._state is _RState.RECEIVING else -1
        if self._pending or stx >= 0:
            unfinished = (
                f" and {len(self._buf) - stx} bytes of an unfinished frame at byte {self._consumed + stx}"
                if stx >= 0
                else ""
            )
            self._events.append(
                MessageDiscarded(
                    f"{why} after {counted(self._message_frames, 'accepted frames')} of a message"
                    f"{unfinished}; the device still owns the message",
                    bytes(self._pending),
                )
            )
        self._drop(len(self._buf))

    def request_interrupt(self) -> None:
        """Answer the next good frame with EOT (receiver interrupt) instead of ACK."""
        self._interrupt = True

    def confirm_message(self) -> None:
        """With ``hold_final_ack``: the message is persisted, write the held ACK now."""
        if self._held is not None:
            self._out += self._held
            self._held = None

    def reject_message(self) -> None:
        """With ``hold_final_ack``: the message could not be stored; NAK the final frame so the
        sender resends it (its text is removed, so the resend completes the message again)."""
        if self._held is None:
            return
        self._held = None
        self._pending = self._pending[: self._record_start]
        self._pieces = [piece for piece in self._pieces if piece[0] < self._record_start]
        self._last_fn, self._last_text = self._prev_fn, self._prev_text
        self._out += NAK

    # -- internals

    def _reset_session(self) -> None:
        self._pending = bytearray()  # text of the current LIS2 message
        self._pieces = []  # where each of its frames' text starts, in it and in the stream
        self._message_frames = 0  # frames appended to it
        self._record_start = 0  # where the current LIS01 message (record) starts in _pending
        self._last_fn = None
        self._last_text = None
        self._prev_fn = None
        self._prev_text = None
        self._trailer_start = None
        self._trailer_bytes = b""

    def _to_neutral(self) -> None:
        self._state = _RState.NEUTRAL
        self._deadline = None
        self._restart_at = None
        self._reset_session()

    def _arm(self) -> None:
        self._deadline = self.clock() + self.profile.link.receive_timeout

    def _drop(self, n: int) -> None:
        del self._buf[:n]
        self._consumed += n

    def _ignore(self, n: int) -> None:
        """Drop ``n`` bytes outside a session; say so when they are more than link control."""
        if n and any(b not in _LINK_CONTROL for b in self._buf[:n]):
            self._events.append(BytesIgnored(n, self._consumed))
        self._drop(n)

    def _process(self) -> None:
        while self._buf:
            if self._state is _RState.NEUTRAL:
                idx = self._buf.find(ENQ)
                if idx < 0:
                    self._ignore(len(self._buf))  # characters outside a session are ignored
                    return
                self._ignore(idx)
                self._drop(1)
                self._establish()
                continue
            if self._held is not None:
                return  # waiting for confirm_message(); the sender cannot send before our ACK
            # RECEIVING: skip to STX, EOT or ENQ
            m = _STX_EOT_OR_ENQ.search(self._buf)
            i = len(self._buf) if m is None else m.start()
            if i:
                self._note_trailer(bytes(self._buf[:i]))
                self._drop(i)
                if not self._buf:
                    return
            if self._buf[0] == ENQ_I:
                # ENQ inside a session. We have replied to every frame, so an ENQ then silence is
                # a sender that restarted (power cycle, its own timeout) and waits for the reply
                # to its ENQ - or line noise while the sender pauses between frames (it may, for
                # up to the receiver's 30 s). Answered when the silence lasts, see handle_timeout
                # and _restart. An ENQ with bytes after it (the next frame) is line noise and is
                # ignored, as LIS01-A2 6.5.1.1 ignores characters before STX or EOT.
                if len(self._buf) == 1:
                    if self._restart_at is None:
                        self._restart_at = self.clock() + self.profile.link.enq_restart_quiet
                    return
                self._restart_at = None
                self._note_trailer(bytes(self._buf[:1]))
                self._drop(1)
                continue
            if self._buf[0] == EOT_I:
                self._drop(1)
                self._check_trailer()
                self._end_session()
                continue
            frame = scan_frame(self._buf, 0, self.profile.link.max_receive_frame)
            if frame is None:
                return
            strict_trailer = not self.profile.tolerance.missing_lf_after_checksum and frame.problem in (
                None,
                "checksum",
            )
            if strict_trailer and len(self._buf) < frame.end + 2:
                return  # wait for CR LF before answering
            self._check_trailer()
            offset = self._consumed
            self._arm()
            problem = frame.problem
            if problem == "checksum":  # mismatch, or the right value in lowercase hex (accepted)
                problem = verify_checksum_case(
                    self._buf,
                    frame,
                    self.counter,
                    self._dev,
                    at=self._consumed,
                    logged=not self._lowercase_said,
                )
                self._lowercase_said = self._lowercase_said or problem is None
            end = frame.end
            if strict_trailer:
                trailer = bytes(self._buf[end : end + 2])
                if trailer == CR + LF:
                    end += 2
                elif problem is None:
                    # a CR alone then EOT said 'trailer "\r\u0004"', as if the EOT were part of it
                    cut = next((i for i, b in enumerate(trailer) if b in _AFTER_CHECKSUM), len(trailer))
                    then = f", then {_AFTER_CHECKSUM[trailer[cut]]}" if cut < len(trailer) else ""
                    problem = (
                        f"frame trailer {json_text(trailer[:cut].decode('latin-1'))} is not CR LF{then} "
                        "(profile switch missing_lf_after_checksum accepts it)"
                    )
            if problem is not None:
                self._drop(end)
                self._out += NAK
                self._events.append(FrameRejected(problem, offset, frame.number))
                continue
            self._drop(end)
            if not strict_trailer:
                self._trailer_start = self._consumed
                self._trailer_bytes = b""
            self._accept(frame.number, frame.text, frame.final, offset)

    def _establish(self) -> None:
        """Answer the ENQ just consumed: NAK when busy, else ACK and a new transfer phase."""
        if self.busy:
            self._out += NAK
            self._events.append(EnqRefused())
            return
        self._out += ACK
        self._state = _RState.RECEIVING
        self._reset_session()
        self._arm()
        self._events.append(LinkEstablished())

    def _restart(self) -> None:
        """An ENQ inside a session, then silence: drop what the sender sent of the unfinished
        message (nothing of it was committed or finally acknowledged, so the device still owns it),
        end the session and answer NAK, the establishment phase's "busy" (LIS01-A2 6.2): the
        sender sends ENQ again after 10 s, and that ENQ opens a new session, frames from 1.

        Not ACK: the ENQ may be line noise while the sender pauses between frames, and such a
        sender can take a stray ACK for the reply to its next frame - to the frame with the L
        record, a final ACK for a message never stored, which the device then deletes. A stray
        NAK read so only makes it send that frame again (6.5.1.2); the neutral receiver answers
        nothing, the sender times out and terminates, and sends the whole message again later."""
        offset = self._consumed
        frames = self._message_frames
        if self._pending or frames:
            self._events.append(
                MessageDiscarded(
                    f"ENQ at byte {offset} inside a session, then {self.profile.link.enq_restart_quiet:g} s "
                    f"of silence after {counted(frames, 'accepted frames')} of a message (the device restarted, "
                    "or noise in a pause); answered NAK, the device still owns the message and "
                    "sends it again in a new session",
                    bytes(self._pending),
                )
            )
        self._events.append(SessionEnded("enq"))
        self._drop(1)
        self._to_neutral()
        self._out += NAK
        self._events.append(EnqRefused())

    @property
    def _dev(self) -> str:
        return self.profile.device_id

    def _note_trailer(self, data: bytes) -> None:
        if self._trailer_start is not None:
            self._trailer_bytes += data

    def _check_trailer(self) -> None:
        if self._trailer_start is None:
            return
        trailer = self._trailer_bytes
        ending = trailer[: len(trailer) - len(trailer.lstrip(CR + LF))]
        if ending != CR + LF:
            # After the line end come bytes the receiver ignores (6.5.1.1), as a strict profile
            # does: a frame whose STX was corrupted is such noise, so they are counted, never
            # shown (they may hold a patient's name), and after a CR LF the switch did not fire.
            other = len(trailer) - len(ending)
            noise = f" and {counted(other, 'other bytes')} before the next frame" if other else ""
            self.counter.fire(
                self._dev,
                "missing_lf_after_checksum",
                f"trailer {json_text(ending.decode('latin-1'))}{noise}",
            )
        self._trailer_start = None

    def _accept(self, number: int | None, text: bytes, final: bool, offset: int) -> None:
        assert number is not None
        tol = self.profile.tolerance
        expected = 1 if self._last_fn is None else (self._last_fn + 1) % 8
        if self._last_fn is not None and number == self._last_fn and text == self._last_text:
            self._out += ACK
            self._events.append(FrameAccepted(number, final, len(text), duplicate=True, offset=offset))
            return
        if number != expected:
            if self._last_fn is not None and number == self._last_fn and not tol.lenient_frame_numbers:
                # LIS01-A2 6.5.1.1: same FN as the last accepted frame is a resend - ACK, don't append.
                self._out += ACK
                self._events.append(FrameAccepted(number, final, len(text), duplicate=True, offset=offset))
                return
            if not tol.lenient_frame_numbers:
                self._out += NAK
                reason = f"frame number {number}, expected {expected} (profile switch lenient_frame_numbers accepts)"
                self._events.append(FrameRejected(reason, offset, number))
                return
            self.counter.fire(self._dev, "lenient_frame_numbers", f"got {number}, expected {expected}")
        if not final and text.endswith(CR):
            if not tol.cr_etb_record_end:
                self._out += NAK
                reason = (
                    "record ends in an intermediate (ETB) frame (profile switch cr_etb_record_end accepts)"
                )
                self._events.append(FrameRejected(reason, offset, number))
                return
            self.counter.fire(self._dev, "cr_etb_record_end", f"frame {number}")
        if final and text and not text.endswith(CR):
            if not tol.no_cr_before_etx:
                self._out += NAK
                reason = "final frame text does not end with CR (profile switch no_cr_before_etx accepts)"
                self._events.append(FrameRejected(reason, offset, number))
                return
            self.counter.fire(self._dev, "no_cr_before_etx", f"frame {number}")
            text = text + CR
        self._prev_fn, self._prev_text = self._last_fn, self._last_text
        self._last_fn, self._last_text = number, text
        if (
            self._pending
            and len(self._pending) == self._record_start
            and text.split(CR, 1)[0].split(LF, 1)[-1].startswith(b"H")
        ):
            # a new header while the previous message had no L record
            self._emit(complete=False, offset=offset)
        self._pieces.append((len(self._pending), offset + 2))  # the text follows STX and FN
        self._pending += text
        self._message_frames += 1
        reply = EOT if self._interrupt else ACK
        self._interrupt = False
        self._events.append(FrameAccepted(number, final, len(text), offset=offset))
        if final:
            record = bytes(self._pending[self._record_start :])
            last = record.rstrip(b"\r\n").rsplit(CR, 1)[-1].rsplit(LF, 1)[-1]
            if last[:1] == b"L" and (len(last) == 1 or not last[1:2].isalnum()):
                self._emit(complete=True, offset=offset)
                if self.hold_final_ack:
                    self._held = reply
                    return
            else:
                self._record_start = len(self._pending)
        self._out += reply

    def _emit(self, *, complete: bool, offset: int) -> None:
        self._events.append(MessageReceived(bytes(self._pending), complete, offset, tuple(self._pieces)))
        self._pending = bytearray()
        self._pieces = []
        self._record_start = 0
        self._message_frames = 0

    def _end_session(self) -> None:
        """The EOT just consumed ends the session; an unfinished message is emitted at its byte."""
        if self._pending:
            self._emit(complete=False, offset=self._consumed - 1)
        self._events.append(SessionEnded("eot"))
        self._to_neutral()


# ---------------------------------------------------------------- endpoint


class AstmEndpoint:
    """Receiver and sender sharing one wire, with contention resolved (instrument priority)."""

    def __init__(
        self,
        profile: DeviceProfile,
        clock: Clock,
        *,
        counter: ToleranceCounter | None = None,
        hold_final_ack: bool = False,
    ) -> None:
        self.receiver = AstmReceiver(profile, clock, counter=counter, hold_final_ack=hold_final_ack)
        self.sender = AstmSender(profile, clock)

    def send(self, records: list[bytes] | tuple[bytes, ...]) -> bytes:
        if self.receiver.state != "neutral":
            self.sender.enqueue(records)  # sent when the peer's session ends
            return b""
        return self.sender.send(records)

    def receive_data(self, data: bytes) -> None:
        if self.sender.state in ("wait_enq_reply", "transfer"):
            data = self.sender.receive_data(data)
        if data:
            self.receiver.receive_data(data)

    def next_event(self) -> Event | None:
        event = self.sender.next_event() or self.receiver.next_event()
        if isinstance(event, SessionEnded):
            self.sender.peer_session_ended()
        return event

    def data_to_send(self) -> bytes:
        return self.receiver.data_to_send() + self.sender.data_to_send()

    def next_deadline(self) -> float | None:
        times = [t for t in (self.receiver.next_deadline(), self.sender.next_deadline()) if t is not None]
        return min(times) if times else None

    def handle_timeout(self, now: float) -> None:
        self.receiver.handle_timeout(now)
        self.sender.handle_timeout(now)

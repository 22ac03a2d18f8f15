"""Events of the ASTM E1381 / LIS01-A2 link layer (``devices.codecs.astm_link``), shared by its
receiver, its sender (``devices.codecs.astm_sender``) and the endpoint that combines them, and
:class:`LinkSide`, the sans-IO output both sides give their caller."""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from devices.profile import DeviceProfile

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class BytesIgnored:
    """Bytes outside a session (no ENQ before them) that are not link control characters, ignored
    as LIS01-A2 says: ``size`` bytes from ``offset``. Line noise, or a device at another baud
    rate or parity, or one that does not speak ASTM."""

    size: int
    offset: int


@dataclass(frozen=True, slots=True)
class LinkEstablished:
    """The peer sent ENQ and we answered ACK: a transfer phase begins."""


@dataclass(frozen=True, slots=True)
class EnqRefused:
    """The peer sent ENQ while we were busy; we answered NAK."""


@dataclass(frozen=True, slots=True)
class FrameAccepted:
    number: int
    final: bool
    size: int
    duplicate: bool = False  # same FN as the last accepted frame: ACKed, not appended
    offset: int = 0  # bytes since creation, at the frame's STX (as FrameRejected.offset)


@dataclass(frozen=True, slots=True)
class FrameRejected:
    """We NAKed a frame; the sender will resend it. ``offset`` counts bytes since creation;
    ``number`` is the frame number when it could be read."""

    reason: str
    offset: int
    number: int | None = None


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """A complete LIS2 message: the joined frame text (records separated by CR).

    ``complete`` is False when the message ended without an L record (EOT, or a new H record).
    With ``hold_final_ack`` the ACK of the frame holding the L record is written only after the
    caller calls :meth:`AstmReceiver.confirm_message` (persist first, then ACK).
    """

    data: bytes
    complete: bool
    offset: int
    #: (byte of ``data``, byte of the stream) where each frame's text starts: ``data`` joins the
    #: texts without their STX, frame number, checksum and CR LF (see :func:`stream_byte`)
    pieces: tuple[tuple[int, int], ...] = ()


def stream_byte(pieces: tuple[tuple[int, int], ...], position: int) -> int | None:
    """The byte of the stream (or capture file) that holds byte ``position`` of a message whose
    ``pieces`` say where its runs of bytes start (as :attr:`MessageReceived.pieces`; one piece
    ``(0, start)`` for a message sent as one run); None when ``pieces`` is empty (not known)."""
    if not pieces:
        return None
    at, byte = pieces[max(bisect_right([start for start, _ in pieces], position) - 1, 0)]
    return byte + position - at


@dataclass(frozen=True, slots=True)
class MessageDiscarded:
    """A partial message was dropped (receiver timeout, link lost, the sender restarted with ENQ);
    nothing of it was committed."""

    reason: str
    data: bytes


@dataclass(frozen=True, slots=True)
class SessionEnded:
    reason: str  # "eot" | "timeout" | "enq" (the sender restarted inside the session)


@dataclass(frozen=True, slots=True)
class MessageSent:
    """Every frame of a queued message was acknowledged."""

    records: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class MessageAborted:
    """The sender gave up (6 failed tries, or a timeout); the message is queued again in full."""

    reason: str
    records: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Contention:
    """Both sides sent ENQ. ``yielded`` is True when we (the host) yielded to the instrument."""

    yielded: bool


@dataclass(frozen=True, slots=True)
class InterruptRequested:
    """The receiver answered a frame with EOT: positive acknowledgement plus a request to stop."""


Event = (
    BytesIgnored
    | LinkEstablished
    | EnqRefused
    | FrameAccepted
    | FrameRejected
    | MessageReceived
    | MessageDiscarded
    | SessionEnded
    | MessageSent
    | MessageAborted
    | Contention
    | InterruptRequested
)


class LinkSide:
    """One side of the link as its caller drives it: drain :meth:`next_event`, write
    :meth:`data_to_send`, call ``handle_timeout`` once :meth:`next_deadline` has passed."""

    def __init__(self, profile: DeviceProfile, clock: Clock) -> None:
        self.profile = profile
        self.clock = clock
        self._out = bytearray()
        self._events: deque[Event] = deque()
        self._deadline: float | None = None

    def next_event(self) -> Event | None:
        return self._events.popleft() if self._events else None

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def next_deadline(self) -> float | None:
        return self._deadline

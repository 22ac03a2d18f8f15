"""Simulated instruments: play SYNTHETIC samples (or a trace) to the gateway as a real device would.

``SimulatedDevice(kind, connect, samples)`` with ``await device.run()``:

* ``astm-analyzer``: the LIS01-A2 *instrument* side (``devices.codecs.astm_link.AstmSender``):
  ENQ, frames, waits for each ACK, retransmits on NAK, aborts after 6 tries and resends the
  whole message, EOT;
* ``hl7-monitor``: an MLLP client that sends ORU^R01 and waits for the ACK with MSA-2 equal to
  its MSH-10, resending on timeout or a negative ACK;
* ``pulse-oximeter``: one ASCII line per reading, no acknowledgement;
* ``poct1a-meter``: a POCT1-A2 device (HEL, DST, OBS..., EOT) that waits for an ACK.R01 echoing
  each control id and resends an observation as SVC.reason_cd RES until it is accepted.

``connect`` opens (and after a disconnect re-opens) the link: a pty master, a serial port or a
TCP connection - or, for a device that is the TCP *server* (profile ``[tcp] mode = "connect"``:
the gateway connects to it), :meth:`DeviceServer.accept`, the next connection the gateway opens. ``FaultPlan`` injects random chunking, byte corruption, lost replies (dropped
ACKs), disconnects and slow drip. Every message is kept until the device got its ACK, so a fault
never makes the simulator give up a message: the report lists what was acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from devices import simulated_poct1a
from devices.codecs.astm_frame import scan_frame
from devices.codecs.astm_link import AstmSender, MessageAborted, MessageSent
from devices.codecs.astm_records import split_messages
from devices.codecs.poct1a import (
    OBSERVATION_TYPES,
    Poct1aMessage,
    build_ack,
    parse_message,
    recover_control_id,
)
from devices.codecs.poct1a_framing import Poct1aFrame, Poct1aFramer
from devices.codecs.poct1a_operators import ListedOperator, listed_operators
from devices.errors import CodecError
from devices.profile import DeviceProfile
from devices.session import Clock, MonotonicClock
from devices.simulated_results import (
    DeviceKind,
    SimulatedSample,
    astm_records,
    hl7_message,
    oximeter_line,
    simulator_profile,
)
from devices.transports.link import Link, LinkClosed
from devices.transports.tcp import TcpLink, bound_address

VT, FS_CR = b"\x0b", b"\x1c\r"
LINE_LINGER_S = 0.3


@dataclass(frozen=True, slots=True)
class RecordedMessage:
    """A message taken from a capture: ASTM records (no CR), or one HL7 message, or one line."""

    label: str
    payload: tuple[bytes, ...]


Playable = SimulatedSample | RecordedMessage


def _label(item: Playable) -> str:
    return item.sample_id if isinstance(item, SimulatedSample) else item.label


def trace_messages(raw: bytes, protocol: str) -> list[RecordedMessage]:
    """Messages in a capture file, ready to be played again as a device would send them.

    ASTM: frame texts are joined (checksums are not trusted; the sender re-frames) and cut at
    each H record. HL7: MLLP frames, or CR-separated segments cut at each MSH. POCT1-A2: the
    observation messages (OBS.R01/R02), played as recorded. Line: one per line.
    """
    if protocol == "astm":
        text = bytearray()
        i = 0
        while (start := raw.find(b"\x02", i)) != -1:
            frame = scan_frame(raw, start, 1_000_000)
            if frame is None:
                break
            text += frame.text
            i = max(frame.end, start + 1)
        if not text:  # a record dump without link framing
            text = bytearray(raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r"))
        messages = []
        for offset, message in split_messages(bytes(text)):
            records = tuple(r for r in message.split(b"\r") if r.strip())
            if records and records[0][:1] == b"H":  # else no ASTM message (an HL7 file was played as one)
                messages.append(RecordedMessage(f"message at byte {offset}", records))
        return messages
    if protocol == "poct1a":
        found = []
        for event in Poct1aFramer().feed(raw):
            if isinstance(event, Poct1aFrame) and parse_message_type(event.data) in OBSERVATION_TYPES:
                found.append(RecordedMessage(f"message at byte {event.offset}", (event.data,)))
        return found
    if protocol == "hl7":
        if b"\x0b" in raw:
            bodies = [part.split(b"\x1c", 1)[0] for part in raw.split(b"\x0b")[1:]]
        else:
            normalised = raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r")
            bodies = [b"MSH" + part for part in normalised.split(b"MSH")[1:]]
        return [RecordedMessage(f"message {n + 1}", (body,)) for n, body in enumerate(bodies) if body.strip()]
    lines_found = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return [RecordedMessage(f"line {n + 1}", (line,)) for n, line in enumerate(lines_found) if line.strip()]


class DeviceServer:
    """The device side as a TCP server (a dock or terminal server the gateway connects to):
    ``accept()`` returns the next connection the gateway opens, so it serves as a simulated
    device's ``connect``. Connections nobody accepted wait in order; each stays open until the
    device side closes it or the server stops. Use as ``async with DeviceServer(host, port)``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host, self._port = host, port
        self._server: asyncio.Server | None = None
        self._waiting: asyncio.Queue[TcpLink] = asyncio.Queue()

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port): the real port when 0 was asked for."""
        return bound_address(self._server, "the device server")

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        self._waiting.put_nowait(TcpLink(reader, writer, f"device server <- {peer[0] if peer else '?'}"))

    async def accept(self) -> Link:
        """The next connection from the gateway (waits for one)."""
        return await self._waiting.get()

    async def start(self) -> None:
        """Listen (``OSError`` when the address cannot be bound)."""
        self._server = await asyncio.start_server(self._connected, self._host, self._port)

    async def __aenter__(self) -> DeviceServer:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop listening and close the connections nobody accepted."""
        if self._server is not None:
            self._server.close()
            while not self._waiting.empty():
                await self._waiting.get_nowait().close()
            await self._server.wait_closed()
            self._server = None


@dataclass(frozen=True, kw_only=True)
class FaultPlan:
    """What goes wrong on the wire. Rates are probabilities per byte (corruption, lost replies)
    or per write burst (disconnects)."""

    max_chunk: int = 0  # 0: each burst in one write; else random pieces of 1..max_chunk bytes
    corruption_rate: float = 0.0  # device -> gateway byte flipped
    drop_ack_rate: float = 0.0  # gateway -> device byte lost (ACK, NAK, HL7 ACK bytes)
    disconnect_rate: float = 0.0  # connection dropped before a burst (needs a re-connecting link)
    drip_s: float = 0.0  # pause between pieces
    refuse_operator_list: bool = False  # a POCT1-A2 meter answers the host's OPL.R01 with AE
    #: a POCT1-A2 meter sends an OPL.R02 (an operator list update, which the host does not
    #: handle) after its hello; the conversation must go on
    operator_list_update: bool = False

    def __post_init__(self) -> None:
        for name in ("corruption_rate", "drop_ack_rate", "disconnect_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault rate {name}={value} must be between 0 and 1")
        if self.max_chunk < 0 or self.drip_s < 0:
            raise ValueError("max_chunk and drip_s must not be negative")


def corrupt(data: bytes, rate: float, rng: random.Random) -> bytes:
    """Flip each byte with probability ``rate`` (xor with a random non-zero mask)."""
    if rate <= 0:
        return data
    out = bytearray(data)
    for i in range(len(out)):
        if rng.random() < rate:
            out[i] ^= rng.randrange(1, 256)
    return bytes(out)


def chunks(data: bytes, max_chunk: int, rng: random.Random) -> list[bytes]:
    """Split ``data`` at random points into pieces of 1..max_chunk bytes (whole if max_chunk is 0)."""
    if max_chunk <= 0 or len(data) <= 1:
        return [data] if data else []
    pieces, start = [], 0
    while start < len(data):
        size = rng.randint(1, max_chunk)
        pieces.append(data[start : start + size])
        start += size
    return pieces


def drop_bytes(data: bytes, rate: float, rng: random.Random) -> bytes:
    if rate <= 0:
        return data
    return bytes(b for b in data if rng.random() >= rate)


class FaultyLink:
    """Wraps a device-side ``Link`` and applies a ``FaultPlan``."""

    def __init__(self, link: Link, plan: FaultPlan, rng: random.Random) -> None:
        self._link = link
        self._plan = plan
        self._rng = rng
        self.label = link.label
        self.disconnects = 0

    async def write(self, data: bytes) -> None:
        if self._plan.disconnect_rate and self._rng.random() < self._plan.disconnect_rate:
            self.disconnects += 1
            await self._link.close()
            raise LinkClosed(f"{self.label}: disconnect injected")
        data = corrupt(data, self._plan.corruption_rate, self._rng)
        for piece in chunks(data, self._plan.max_chunk, self._rng):
            await self._link.write(piece)
            if self._plan.drip_s:
                await asyncio.sleep(self._plan.drip_s)

    async def read(self) -> bytes:
        while True:
            data = drop_bytes(await self._link.read(), self._plan.drop_ack_rate, self._rng)
            if data:
                return data

    async def close(self) -> None:
        await self._link.close()


@dataclass
class SimulationReport:
    kind: DeviceKind
    messages: int
    acknowledged: list[str] = field(default_factory=list)  # sample ids, in acknowledgement order
    aborted: int = 0
    frames_sent: int = 0  # ASTM frames written, retransmissions included
    reconnects: int = 0
    #: POCT1-A2: the operator list the meter holds (the last one the host closed with EOT.R01)
    #: and how many lists it accepted, and refused (``FaultPlan.refuse_operator_list``).
    operators: list[ListedOperator] = field(default_factory=list)
    operator_lists: int = 0
    operator_lists_refused: int = 0

    @property
    def unacknowledged(self) -> int:
        return self.messages - len(set(self.acknowledged))


class SimulatedDevice:
    """One simulated instrument. ``connect`` returns a fresh device-side link each time it is called."""

    def __init__(
        self,
        kind: DeviceKind,
        connect: Callable[[], Awaitable[Link]],
        samples: Sequence[Playable],
        *,
        rng: random.Random | None = None,
        faults: FaultPlan | None = None,
        clock: Clock | None = None,
        profile: DeviceProfile | None = None,
        interval_s: float = 0.0,
        max_reconnects: int = 1000,
        close_when_done: bool = True,
        on_acknowledged: Callable[[str], None] | None = None,
        on_aborted: Callable[[str], None] | None = None,
    ) -> None:
        self.kind = kind
        self._connect = connect
        self._samples = list(samples)
        self._rng = rng or random.Random(0)
        self._faults = faults or FaultPlan()
        self._clock: Clock = clock or MonotonicClock()
        base = profile or simulator_profile(kind, f"sim-{kind}")
        self.profile = base.model_copy(update={"link": base.link.model_copy(update={"role": "instrument"})})
        self._interval_s = interval_s
        self._max_reconnects = max_reconnects
        self._close_when_done = close_when_done  # False: leave the link open (e.g. a pty reused later)
        self._on_acknowledged = on_acknowledged  # progress: called with each acknowledged label
        self._on_aborted = on_aborted  # called with why each try failed (it is tried again)
        self.report = SimulationReport(kind, len(self._samples))

    def _aborted(self, reason: str) -> None:
        self.report.aborted += 1
        if self._on_aborted is not None:
            self._on_aborted(reason)

    def _acknowledged(self, item: Playable) -> None:
        self.report.acknowledged.append(_label(item))
        if self._on_acknowledged is not None:
            self._on_acknowledged(_label(item))

    async def _open(self) -> FaultyLink:
        return FaultyLink(await self._connect(), self._faults, self._rng)

    async def run(self) -> SimulationReport:
        """Send every sample until each one is acknowledged (or, for line devices, written)."""
        pending = list(self._samples)
        while pending:
            link = await self._open()
            try:
                if self.kind == "astm-analyzer":
                    await self._run_astm(link, pending)
                elif self.kind == "hl7-monitor":
                    await self._run_hl7(link, pending)
                elif self.kind == "poct1a-meter":
                    await self._run_poct1a(link, pending)
                else:
                    await self._run_lines(link, pending)
            except LinkClosed:
                self.report.reconnects += 1
                with contextlib.suppress(LinkClosed, OSError):
                    await link.close()
                if self.report.reconnects > self._max_reconnects:
                    raise
                continue
            except BaseException:
                with contextlib.suppress(LinkClosed, OSError):
                    await link.close()
                raise
            if self._close_when_done:
                with contextlib.suppress(LinkClosed, OSError):
                    await link.close()
        return self.report

    async def _wait(self, read_task: asyncio.Task[bytes], deadline: float | None) -> bytes | None:
        """The next bytes from the gateway, or None when ``deadline`` passes first."""
        if deadline is None:
            return await read_task
        timer = asyncio.ensure_future(self._clock.sleep_until(deadline))
        done, _ = await asyncio.wait({read_task, timer}, return_when=asyncio.FIRST_COMPLETED)
        timer.cancel()
        return read_task.result() if read_task in done else None

    async def _run_astm(self, link: FaultyLink, pending: list[Playable]) -> None:
        sender = AstmSender(self.profile, self._clock.now)
        messages = [
            tuple(astm_records(item)) if isinstance(item, SimulatedSample) else item.payload
            for item in pending
        ]
        by_records = dict(zip(messages, pending, strict=True))
        out = sender.send(messages[0])
        for records in messages[1:]:
            sender.enqueue(records)
        read_task: asyncio.Task[bytes] | None = None
        try:
            while True:
                out += sender.data_to_send()
                if out:
                    await link.write(out)
                    out = b""
                while (event := sender.next_event()) is not None:
                    if isinstance(event, MessageSent):
                        sample = by_records[event.records]
                        self._acknowledged(sample)
                        pending.remove(sample)
                    elif isinstance(event, MessageAborted):
                        self._aborted(event.reason)
                if sender.pending == 0 and sender.state == "idle":
                    return
                if read_task is None:
                    read_task = asyncio.ensure_future(link.read())
                data = await self._wait(read_task, sender.next_deadline())
                if data is None:
                    sender.handle_timeout(self._clock.now())
                else:
                    read_task = None
                    sender.receive_data(data)
        finally:
            self.report.frames_sent += sender.transmissions
            if read_task is not None:
                read_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, LinkClosed, Exception):
                    await read_task

    async def _run_hl7(self, link: FaultyLink, pending: list[Playable]) -> None:
        timeout = self.profile.link.reply_timeout
        for sample in list(pending):
            if isinstance(sample, SimulatedSample):
                control_id, body = sample.sample_id, hl7_message(sample, sample.sample_id)
            else:
                body = sample.payload[0]
                control_id = _control_id(body)
            frame = VT + body + FS_CR
            while True:
                await link.write(frame)
                reply = await self._read_mllp(link, self._clock.now() + timeout)
                if reply is not None and _acknowledges(reply, control_id):
                    self._acknowledged(sample)
                    pending.remove(sample)
                    break
                self._aborted(
                    f"no ACK of message {control_id} within {timeout:g} s"
                    if reply is None
                    else f"the reply did not accept message {control_id}"
                )
            if self._interval_s:
                await asyncio.sleep(self._interval_s)

    async def _read_mllp(self, link: FaultyLink, deadline: float) -> bytes | None:
        buffer = b""
        read_task = asyncio.ensure_future(link.read())
        try:
            while True:
                data = await self._wait(read_task, deadline)
                if data is None:
                    return None
                buffer += data
                start, end = buffer.find(VT), buffer.find(FS_CR)
                if start != -1 and end > start:
                    return buffer[start + 1 : end]
                read_task = asyncio.ensure_future(link.read())
        finally:
            if not read_task.done():
                read_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, LinkClosed, Exception):
                    await read_task

    async def _run_poct1a(self, link: FaultyLink, pending: list[Playable]) -> None:
        """A POCT1-A2 meter dock: HEL and DST (new observations) until each is acknowledged, then
        waits for the host's REQ/DTV, sends one OBS per sample - resent as SVC.reason_cd RES with
        a new control id until an ACK.R01 AA echoes it - then EOT and waits for the host's END.
        Host messages (REQ, DTV, OPL, EOT) are acknowledged; an operator list (OPL.R01 pages,
        then EOT.R01 OPL) replaces the one the meter holds (``report.operators``), or is refused
        with AE when the fault plan says so (which may also have it send an OPL.R02 after its
        hello, a message the host does not handle); an END from the host before the work is done ends
        the connection (the device connects again)."""
        timeout = self.profile.link.reply_timeout
        replies = simulated_poct1a.HostReplies(link, self._wait)
        numbers = itertools.count(1)
        incoming: list[ListedOperator] = []  # pages of an operator list not yet closed by EOT

        async def answer(message: Poct1aMessage) -> None:
            kind = message.message_type
            if kind == "END.R01":
                raise LinkClosed(f"{link.label}: the host ended the conversation")
            if kind == "ACK.R01":
                return
            code, note = "AA", ""
            if kind.startswith("OPL.") and self._faults.refuse_operator_list:
                code, note = "AE", "operator list refused (fault injected by the simulator)"
                self.report.operator_lists_refused += 1
            elif kind.startswith("OPL."):
                incoming.extend(listed_operators(message))
            elif kind == "EOT.R01" and message.value("EOT/EOT.topic_cd") == "OPL":
                if not self._faults.refuse_operator_list:
                    self.report.operators = list(incoming)
                    self.report.operator_lists += 1
                incoming.clear()
            await link.write(build_ack(str(next(numbers)), message.control_id, code, note=note))

        def asks_for_results(message: Poct1aMessage) -> bool:
            return (
                message.message_type == "REQ.R01" or message.value("DTV/DTV.command_cd") == "START_CONTINUOUS"
            )

        async def exchange(build: Callable[[str], bytes], what: str) -> bool:
            data = build(str(next(numbers)))
            control_id = recover_control_id(data) or ""  # a recorded message keeps its own id
            await link.write(data)
            deadline = self._clock.now() + timeout
            while (reply := await replies.next(deadline)) is not None:
                if reply.message_type == "ACK.R01" and reply.value("ACK/ACK.ack_control_id") == control_id:
                    if reply.value("ACK/ACK.type_cd") == "AA":
                        return True
                    self._aborted(f"the host refused {what} {control_id}: {reply.value('ACK/ACK.note_txt')}")
                    return False
                await answer(reply)
            self._aborted(f"no ACK.R01 of {what} {control_id} within {timeout:g} s")
            return False

        try:
            while not await exchange(simulated_poct1a.hello, "HEL.R01"):
                pass
            if self._faults.operator_list_update:
                await exchange(simulated_poct1a.operator_list_update, "OPL.R02")
            while not await exchange(lambda cid: simulated_poct1a.status(cid, len(pending)), "DST.R01"):
                pass
            # The host's turn: SET_TIME, an operator list, then REQ ROBS or START_CONTINUOUS - or nothing.
            while (request := await replies.next(self._clock.now() + timeout)) is not None:
                await answer(request)
                if asks_for_results(request):
                    break
            for item in list(pending):
                resend = False
                while True:
                    build: Callable[[str], bytes] = (
                        functools.partial(simulated_poct1a.observation, item, resend=resend)
                        if isinstance(item, SimulatedSample)
                        else functools.partial(_recorded, item.payload[0])
                    )
                    if await exchange(build, "OBS"):
                        self._acknowledged(item)
                        pending.remove(item)
                        break
                    resend = True
                if self._interval_s:
                    await asyncio.sleep(self._interval_s)
            while not await exchange(simulated_poct1a.end_of_topic, "EOT.R01"):
                pass
            deadline = self._clock.now() + timeout
            while (reply := await replies.next(deadline)) is not None:
                if reply.message_type == "END.R01":
                    break
                await answer(reply)
        finally:
            await replies.close()

    async def _run_lines(self, link: FaultyLink, pending: list[Playable]) -> None:
        """No acknowledgement exists: a line counts as delivered once written. The link stays
        open for ``LINE_LINGER_S`` after the last line (closing a pty drops unread bytes)."""
        for sample in list(pending):
            line = (
                oximeter_line(sample) if isinstance(sample, SimulatedSample) else sample.payload[0] + b"\r\n"
            )
            await link.write(line)
            self._acknowledged(sample)
            pending.remove(sample)
            if self._interval_s:
                await asyncio.sleep(self._interval_s)
        await asyncio.sleep(LINE_LINGER_S)


def _recorded(raw: bytes, control_id: str) -> bytes:
    """A recorded message is played as it was (with its own control id)."""
    return raw


def parse_message_type(raw: bytes) -> str | None:
    """The message type of a POCT1-A2 message, or None if it does not parse."""
    try:
        return parse_message(raw).message_type
    except CodecError:
        return None


def _control_id(message: bytes) -> str:
    """MSH-10 of an HL7 message (MSH-1 is the field separator, so MSH-10 is index 9)."""
    msh = message.replace(b"\n", b"\r").split(b"\r", 1)[0].decode("latin-1")
    fields = msh.split(msh[3:4] or "|")
    return fields[9] if len(fields) > 9 else ""


def _acknowledges(reply: bytes, control_id: str) -> bool:
    """True for an HL7 ACK whose MSA-1 is AA/CA and MSA-2 echoes ``control_id``."""
    for segment in reply.replace(b"\n", b"\r").split(b"\r"):
        if segment.startswith(b"MSA"):
            fields = segment.decode("latin-1").split("|")
            return len(fields) > 2 and fields[1] in ("AA", "CA") and fields[2] == control_id
    return False

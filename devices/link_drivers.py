"""Adapters from the sans-IO codecs (``devices.codecs``) to the gateway's ``LinkDriver`` events.

The one rule that matters here: a message's final acknowledgement is emitted AFTER its
``Received`` event, so the session commits the message before the device hears the ACK.

* ASTM: the receiver runs with ``hold_final_ack``; the ACK of the frame holding the L record is
  released by ``confirm_message`` and placed after ``Received`` in the event list.
* HL7/MLLP: the ACK message is built only for a complete frame and placed after ``Received``.
* Line protocols have no acknowledgement: every complete line is a message.
* POCT1-A2: the conversation driver is :class:`devices.poct1a_conversation.Poct1aDriver`; an
  observation message's ACK.R01 is placed after its ``Received``. A profile's operator list is
  read when the endpoint is built (an invalid file stops ``listen`` before it starts); which list
  each meter acknowledged is kept in the clinic database
  (``referral.meter_operator_lists``), so a restarted gateway does not send it again.
* Bluetooth LE: a glucose meter's stored records are fetched by
  :class:`devices.glucose_fetch.GlucoseFetchDriver`, resuming after the last stored sequence
  number; a blood-pressure monitor's, thermometer's, oximeter's or weight scale's values by
  :class:`devices.gatt_subscription.SubscriptionDriver` (a continuous oximeter's repeated
  readings thinned by :class:`devices.continuous_sampling.UnchangedReadings`: a significant
  change at once, the rest once per ``[ble] store_every``). There is no
  application ACK to hold.

Tolerance switches that fire are reported as ``Tolerated`` events (counter difference per feed).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from devices.codecs import astm_link, hl7, hl7_ack, lines, mllp
from devices.codecs.gatt_records import SEQUENCE_PREFIX, record_sequence
from devices.codecs.gatt_vitals import ContinuousReading, decode_continuous
from devices.continuous_sampling import UnchangedReadings
from devices.decode import decode_message
from devices.endpoint import Decoded, DeviceEndpoint
from devices.errors import CodecError
from devices.gatt_subscription import MEASUREMENTS, SubscriptionDriver
from devices.glucose_fetch import GlucoseFetchDriver
from devices.operator_delivery import AcknowledgedLists, OperatorListDelivery, RememberedLists
from devices.poct1a_conversation import Poct1aDriver
from devices.profile import DeviceProfile
from devices.results import NoResultLine, to_inbox_result
from devices.session import (
    Clock,
    Discarded,
    Ignored,
    Junk,
    LinkDriver,
    LinkEvent,
    Received,
    Rejected,
    Send,
    Tolerated,
    Unhandled,
)
from devices.tolerance import ToleranceCounter
from devices.transports.link import BleSpec, LinkError, SerialSpec, TcpConnectSpec, TcpListenSpec
from referral.errors import json_text
from referral.inbox import NewDeviceResult, NewQuarantineItem, last_sample_number, latest_messages
from referral.meter_operator_lists import MeterOperatorLists

if TYPE_CHECKING:
    from sqlite_utils import Database

log = logging.getLogger(__name__)


class _ToleranceDiff:
    def __init__(self, counter: ToleranceCounter, device_id: str) -> None:
        self._counter = counter
        self._device_id = device_id
        self._total = counter.total()
        self._seen = self._counts()

    def _counts(self) -> dict[str, int]:
        return {switch: n for (dev, switch), n in self._counter.snapshot().items() if dev == self._device_id}

    def events(self) -> list[LinkEvent]:
        total = self._counter.total()
        if total == self._total:  # nothing fired anywhere since the last look (the common case)
            return []
        self._total = total
        now = self._counts()
        fired: list[LinkEvent] = []
        for switch, count in now.items():
            fired += [Tolerated(switch)] * (count - self._seen.get(switch, 0))
        self._seen = now
        return fired


class AstmDriver:
    """Host-side ASTM E1381 receiver for one session."""

    protocol = "astm"

    def __init__(self, profile: DeviceProfile, clock: Callable[[], float], counter: ToleranceCounter) -> None:
        self._receiver = astm_link.AstmReceiver(profile, clock, counter=counter, hold_final_ack=True)
        self._tolerance = _ToleranceDiff(counter, profile.device_id)

    def _drain(self) -> list[LinkEvent]:
        events: list[LinkEvent] = []
        before = self._receiver.data_to_send()
        if before:
            events.append(Send(before))
        while (event := self._receiver.next_event()) is not None:
            if isinstance(event, astm_link.MessageReceived):
                events.append(Received(event.data, event.pieces))
                # Safe to release now: the session executes the Send after Received has committed.
                self._receiver.confirm_message()
                held = self._receiver.data_to_send()
                if held:
                    events.append(Send(held))
            elif isinstance(event, astm_link.MessageDiscarded):
                events.append(Discarded(event.reason, event.data))
            elif isinstance(event, astm_link.BytesIgnored):
                events.append(Ignored(event.size, event.offset))
            elif isinstance(event, astm_link.FrameRejected):
                # "frame N: ..."; a frame whose number was not read names itself in its reason
                where = "" if event.number is None else f"frame {event.number}: "
                events.append(Rejected(f"{where}{event.reason}", event.offset))
        events += self._tolerance.events()
        return events

    def feed(self, data: bytes, now: float) -> list[LinkEvent]:
        self._receiver.receive_data(data)
        events = self._drain()
        # Bytes buffered while the final ACK was held (only noise, the sender waits) are processed now.
        self._receiver.receive_data(b"")
        return events + self._drain()

    def poll(self, now: float) -> list[LinkEvent]:
        self._receiver.handle_timeout(now)
        return self._drain()

    def link_lost(self, reason: str) -> list[LinkEvent]:
        self._receiver.link_lost(reason)
        return self._drain()

    def next_deadline(self) -> float | None:
        return self._receiver.next_deadline()


class Hl7Driver:
    """HL7 v2 over MLLP, receiving side: one ACK per message on the same connection, sent after
    the message is stored. MSA-2 echoes MSH-10; enhanced mode (CA) when MSH-15/16 ask for it, and
    then only as MSH-15 asks (NE: no ACK, ER: only CE/CR, SU: only CA); an inbound ACK is never
    acknowledged. A message that does not parse is stored (quarantined) and
    then refused with AE (CE in enhanced mode) naming what is wrong and where (MSA-3 up to v2.6, ERR), so the
    device does not send it again for ever; without a readable MSH the ACK has default header
    fields and no MSA-2. A message with OBX held after an unreadable segment is accepted, its AA
    saying so (:func:`devices.codecs.hl7_ack.accept_ack`)."""

    protocol = "hl7"

    def __init__(self, profile: DeviceProfile, counter: ToleranceCounter) -> None:
        self._profile = profile
        end = bytes.fromhex(profile.hl7.end_bytes)
        self._decoder = mllp.MllpDecoder(start=profile.hl7.start_byte, end=end)
        self._start, self._end = profile.hl7.start_byte, end
        self._tolerance = _ToleranceDiff(counter, profile.device_id)

    def feed(self, data: bytes, now: float) -> list[LinkEvent]:
        events: list[LinkEvent] = []
        for item in self._decoder.feed(data):
            if isinstance(item, mllp.MllpMessage):
                events += self._message(item.data, ((0, item.offset + 1),))  # after the start byte
            elif isinstance(item, mllp.MllpOverflow):
                # quarantined as stray bytes are, the limit's worth (what the device sent) saying it
                # was cut; no ACK: there is no message to answer
                events.append(Junk(item.said(self._end), item.head, item.offset))
            elif isinstance(item, mllp.MllpOverflowRest):
                continue  # the rest of that frame: its quarantine says it is not stored
            elif isinstance(item, mllp.MllpJunk) and item.cut_off:
                reason = (
                    f"MLLP frame without its end bytes {self._end.hex()} before the next start byte "
                    f"(it ends with {item.data[-2:].hex()}; the profile's [hl7] end_bytes must be what "
                    "the device sends); not acknowledged"
                )
                events.append(Junk(reason, item.data, item.offset))
            elif isinstance(item, mllp.MllpJunk) and item.data.lstrip(b"\r\n").startswith(b"MSH"):
                reason = (
                    f"an HL7 message without the MLLP start byte {self._start:02x} before it (the "
                    "profile's [hl7] start_byte must be what the device sends); not acknowledged"
                )
                events.append(Junk(reason, item.data, item.offset))
            else:
                # no start byte survives a serial port at another baud rate or parity: say so
                reason = (
                    f"bytes outside an MLLP frame, no start byte {self._start:02x} before them: line noise, or"
                    " check the protocol (on a serial port also the baud rate and parity)"
                )
                events.append(Junk(reason, item.data, item.offset))
        return events + self._tolerance.events()

    def _message(self, raw: bytes, pieces: tuple[tuple[int, int], ...]) -> list[LinkEvent]:
        if raw in (b"\x06", b"\x15") or not raw.strip(b"\r\n"):
            return [
                Received(raw, pieces)
            ]  # an MLLP release 2 commit ACK/NAK block, an empty frame: no answer
        try:
            # the decoder reads the message again and counts its switches: not counted twice here
            message = hl7.parse_message(raw, self._profile, ToleranceCounter(logged=False))
        except hl7.Hl7ParseError as exc:
            # Stored (quarantined) first, then refused with AE naming what and where: without an
            # answer the device sends the same message again for ever, or takes the LIS for down.
            events: list[LinkEvent] = [Received(raw, pieces)]
            nak = hl7_ack.build_error_ack(raw, exc, self._profile)
            if nak is not None:
                events.append(Send(mllp.frame(nak, self._start, self._end)))
            return events
        if not hl7.needs_ack(message):
            return []  # an inbound ACK: never acknowledged, carries no results
        kind = hl7.unsupported_type(message)
        if kind is not None:
            # stored (evidence), counted not handled, answered AR naming the type (table 0357
            # 200) or, for an ORU^R40 alarm, its trigger (201)
            reject = hl7_ack.build_error_ack(raw, hl7.unsupported_error(kind), self._profile, code="AR")
            sent = [Send(mllp.frame(reject, self._start, self._end))] if reject is not None else []
            return [Received(raw, pieces), Unhandled(f"{kind or hl7.NO_TYPE} message"), *sent]
        if not hl7_ack.accept_ack_wanted(message, self._profile, "AA"):
            # stored; MSH-15 NE or ER: the sender wants no CA - also when OBX are held after an
            # unreadable segment: the message is committed (a CA's meaning, HL7 v2 ch. 2), and a CE
            # would say it was not, so the device would send it again; listen's warning and the
            # quarantine say what was held (docs/device-gateway.md)
            return [Received(raw, pieces)]
        enhanced = hl7_ack.uses_enhanced_mode(message, self._profile)
        # stored and accepted; OBX held after an unreadable segment are said (MSA-3, ERR warning)
        ack = hl7_ack.accept_ack(message, enhanced)
        return [Received(raw, pieces), Send(mllp.frame(ack, self._start, self._end))]

    def poll(self, now: float) -> list[LinkEvent]:
        return []

    def next_deadline(self) -> float | None:
        return None

    def link_lost(self, reason: str) -> list[LinkEvent]:
        unfinished = self._decoder.unfinished
        if unfinished is None:
            return []
        offset, size = unfinished
        return [
            Discarded(
                f"link lost ({reason}) inside the MLLP frame at byte {offset} ({size} bytes, "
                f"no end bytes {self._end.hex()} yet); not acknowledged, the device still owns the message"
            )
        ]


class LineDriver:
    """Line protocols (oximeters, BP monitors, strip readers): each line or packet is a message.
    There is no acknowledgement, so each unit is stored as it completes."""

    protocol = "line"

    def __init__(self, profile: DeviceProfile, counter: ToleranceCounter) -> None:
        self._framer = lines.LineFramer(profile.line_grammar or "nonin")
        self._tolerance = _ToleranceDiff(counter, profile.device_id)

    def feed(self, data: bytes, now: float) -> list[LinkEvent]:
        events: list[LinkEvent] = [Received(unit, ((0, at),)) for unit, at in self._framer.feed(data)]
        return events + self._tolerance.events()

    def poll(self, now: float) -> list[LinkEvent]:
        return []

    def next_deadline(self) -> float | None:
        return None

    def link_lost(self, reason: str) -> list[LinkEvent]:
        """A line ended by CR waits for a possible LF: the link is gone, so it is complete. Any
        other unfinished line or packet is a partial reading (``SPO2=09`` of ``SPO2=097``) and is
        never stored."""
        events: list[LinkEvent] = [Received(unit, ((0, at),)) for unit, at in self._framer.end_of_stream()]
        unfinished = self._framer.unfinished
        if unfinished is not None:
            offset, size = unfinished
            events.append(
                Discarded(
                    f"link lost ({reason}) inside the reading at byte {offset} ({size} bytes without "
                    "its end); not stored"
                )
            )
        return events


# ------------------------------------------------------------------ decoding


def make_decoder(profile: DeviceProfile, counter: ToleranceCounter) -> Callable[[bytes, str], Decoded]:
    """The profile's codec as the gateway's ``decode(raw, received_at)``. ``counter`` must be the
    decoder's own: the switches it fires for a message are returned with it (``tolerated``), so
    they are counted when the message is stored - also the last message of a session, after
    which no byte may come that a driver's count would report them with."""

    def decoder(raw: bytes, received_at: str) -> Decoded:
        tolerance = _ToleranceDiff(counter, profile.device_id)
        no_result: list[NoResultLine] = []
        results, quarantined = decode_message(
            profile,
            raw,
            counter=counter,
            received_at=datetime.fromisoformat(received_at),
            no_result=no_result,
        )
        tolerated = tuple(e.switch for e in tolerance.events() if isinstance(e, Tolerated))
        if not results and quarantined and len(quarantined) == 1 and quarantined[0].raw == raw:
            only = quarantined[0]
            return Decoded(
                fatal=f"{only.reason}: {only.detail}", fatal_offset=only.byte_offset, tolerated=tolerated
            )
        return Decoded(
            tolerated=tolerated,
            no_result=tuple(line.status for line in no_result),
            lost_parts=tuple((q.reason, q.byte_offset) for q in quarantined if not q.with_result),
            results=[to_inbox_result(r, received_at) for r in results],
            quarantine=[
                NewQuarantineItem(reason=f"{q.reason}: {q.detail}", raw=q.raw, byte_offset=q.byte_offset)
                for q in quarantined
            ],
            parsed={
                "results": len(results),
                "quarantined": len(quarantined),
                "protocol": profile.protocol,
                # kept for a later run that hands its results over again (listen --json no_result)
                "no_result": dict(Counter(line.status for line in no_result)),
            },
            with_result=sum(q.with_result for q in quarantined),
        )

    return decoder


def make_redecoder(profile: DeviceProfile) -> Callable[[bytes, str], list[NewDeviceResult]]:
    """A stored message's results as the profile's codec decodes them today (``decode_again``):
    the inbox asks it of a result an older gateway stored without today's sample id. Nothing is
    counted (no tolerance switch fires again); a decoder failure is no result, logged."""

    def again(raw: bytes, received_at: str) -> list[NewDeviceResult]:
        try:
            results, _ = decode_message(profile, raw)
        except Exception:  # a decoder bug must not stop the message now received being stored
            log.exception("device %s: a stored message could not be decoded again", profile.device_id)
            return []
        return [to_inbox_result(r, received_at) for r in results]

    return again


# ------------------------------------------------------------------ endpoints

LOOPBACK_PEERS = frozenset({"127.0.0.1", "::1"})


def transport_from_profile(profile: DeviceProfile) -> SerialSpec | TcpListenSpec | TcpConnectSpec | BleSpec:
    """The profile's transport. A TCP listener binds loopback unless the profile sets ``host``,
    and accepts only loopback peers unless it lists ``allowed_peers``."""
    where = f"device profile {profile.device_id}"
    if profile.ble is not None:
        return BleSpec(
            address=profile.ble.address, name=profile.ble.name, scan_timeout=profile.ble.scan_timeout
        )
    if profile.serial is not None and profile.tcp is not None:
        raise LinkError(f"{where}: has both [serial] and [tcp]; a device uses one transport")
    if profile.serial is not None:
        serial = profile.serial
        if not serial.port:
            raise LinkError(f"{where}: [serial] has no port (e.g. /dev/ttyUSB0); set it or pass --port")
        return SerialSpec(
            url=serial.port,
            baudrate=serial.baud,
            bytesize=serial.bytesize,
            parity=serial.parity,
            stopbits=serial.stopbits,
            xonxoff=serial.xonxoff,
            rtscts=serial.rtscts,
        )
    if profile.tcp is not None:
        tcp = profile.tcp
        if tcp.mode == "connect":
            return TcpConnectSpec(host=tcp.host, port=tcp.port)
        host = tcp.host if "host" in tcp.model_fields_set else "127.0.0.1"
        return TcpListenSpec(
            host=host, port=tcp.port, allowed_peers=frozenset(tcp.allowed_peers) or LOOPBACK_PEERS
        )
    raise LinkError(f"{where}: no transport; add a [serial] or [tcp] table, or pass --port / --tcp-listen")


def operator_list_delivery(profile: DeviceProfile) -> OperatorListDelivery | None:
    """The profile's ``[poct1a] operator_list``, read now (an :class:`OperatorListError` when the
    file is missing or invalid), or None when it names none."""
    operators = profile.poct1a.operator_list if profile.protocol == "poct1a" else None
    return OperatorListDelivery(Path(operators)) if operators else None


def poct1a_driver(
    profile: DeviceProfile,
    counter: ToleranceCounter,
    operator_lists: OperatorListDelivery | None,
    acknowledged_lists: AcknowledgedLists,
) -> Poct1aDriver:
    """One POCT1-A2 conversation; the profile's operator list (shared by its sessions) and where
    the lists each meter acknowledged are kept."""
    return Poct1aDriver(
        profile,
        tolerated=_ToleranceDiff(counter, profile.device_id).events,
        operator_lists=operator_lists,
        acknowledged_lists=acknowledged_lists,
    )


def make_driver_factory(
    profile: DeviceProfile,
    clock: Callable[[], float],
    counter: ToleranceCounter,
    operator_lists: OperatorListDelivery | None = None,
) -> Callable[[], LinkDriver]:
    """A fresh driver per session, without the clinic database: a POCT1-A2 profile's meters'
    acknowledged operator lists (``operator_lists``, else the profile's file read now) are kept
    in memory for this factory's life."""
    if profile.protocol == "astm":
        return lambda: AstmDriver(profile, clock, counter)
    if profile.protocol == "hl7":
        return lambda: Hl7Driver(profile, counter)
    if profile.protocol == "line":
        return lambda: LineDriver(profile, counter)
    if profile.protocol == "poct1a":
        # One operator list per profile, shared by its sessions, and what each meter acknowledged.
        delivery = operator_lists or operator_list_delivery(profile)
        remembered = RememberedLists()
        return lambda: poct1a_driver(profile, counter, delivery, remembered)
    if profile.protocol == "ble" and profile.ble is not None:
        if profile.ble.service == "glucose":
            return lambda: GlucoseFetchDriver(profile, last_sequence=None)
        uuid = MEASUREMENTS[profile.ble.service]
        if profile.ble.service == "pulse_oximeter_continuous":
            ble = profile.ble

            def same(a: ContinuousReading, b: ContinuousReading) -> bool:
                return a.close_to(b, ble.store_spo2_change, ble.store_pulse_change)

            return lambda: SubscriptionDriver(uuid, UnchangedReadings(ble.store_every, plx_reading, same))
        return lambda: SubscriptionDriver(uuid)
    raise LinkError(
        f"device {profile.device_id}: protocol {json_text(profile.protocol)} has no link driver yet"
    )


def plx_reading(value: bytes) -> ContinuousReading | None:
    """A PLX continuous reading for ``UnchangedReadings``; None for unreadable bytes, which are
    always stored so the codec quarantines each with the reason."""
    try:
        return decode_continuous(value)
    except CodecError:
        return None


#: How many of a glucose meter's latest stored messages are looked at for a sequence number.
_RECENT_MESSAGES = 20


def last_glucose_sequence(db: Database, device_id: str) -> int | None:
    """The sequence number of the glucose record received last from ``device_id``: of its newest
    stored message holding one, stored as a result or quarantined - so an unreadable record is
    not fetched, and quarantined, again at every connection - else of its last stored result."""
    for raw in latest_messages(db, device_id, _RECENT_MESSAGES):
        sequence = record_sequence(raw)
        if sequence is not None:
            return sequence
    return last_sample_number(db, device_id, SEQUENCE_PREFIX)


def endpoint_from_profile(
    profile: DeviceProfile,
    *,
    clock: Clock,
    transport: SerialSpec | TcpListenSpec | TcpConnectSpec | BleSpec | None = None,
    wire_log_dir: Path | None = None,
) -> DeviceEndpoint:
    """Everything the gateway needs for one profile; ``transport`` overrides the profile's."""
    counter = ToleranceCounter()
    resumed: Callable[[Database], LinkDriver] | None = None
    delivery = operator_list_delivery(profile)
    if profile.ble is not None and profile.ble.service == "glucose":

        def resumed(db: Database) -> LinkDriver:
            return GlucoseFetchDriver(profile, last_sequence=last_glucose_sequence(db, profile.device_id))

    elif delivery is not None:

        def resumed(db: Database) -> LinkDriver:
            # What each meter acknowledged is in the clinic database: it survives a restart.
            return poct1a_driver(profile, counter, delivery, MeterOperatorLists(db, profile.device_id))

    return DeviceEndpoint(
        device_id=profile.device_id,
        protocol=profile.protocol,
        transport=transport or transport_from_profile(profile),
        make_driver=make_driver_factory(profile, clock.now, counter, delivery),
        decode=make_decoder(profile, ToleranceCounter()),  # its switches come with each message
        decode_again=make_redecoder(profile),
        make_resumed_driver=resumed,
        wire_log_dir=wire_log_dir,
    )

"""Fetching a Bluetooth glucose meter's stored records through the RACP, as a gateway
``LinkDriver`` (sans-IO; the BLE link turns its lines into GATT operations).

On connect (the first ``poll``, due at once)::

    gateway                                   meter
    subscribe 2a18, 2a34, 2a52            ->  (notifications / indications enabled)
    write 2a52  report stored records,
                sequence >= last stored + 1   (all records when nothing is stored yet)
                                          <-  2a18 measurement [+ 2a34 context], repeated
                                          <-  2a52 response code: success | no records found
    disconnect

Each measurement is paired with the context of the same sequence number
(``devices.codecs.gatt_records.RecordAssembler``) and handed to the session as one ``Received``
record, committed before the next event; the gateway's exactly-once key holds the sequence
number and the meter's time, so a record sent twice is stored once.

Sequence numbers wrap (65535 -> 0) or restart at 0 when the meter's memory is cleared; then
"records from last + 1" finds nothing new for a long time. So when the filtered request finds no
records, the driver asks for the *last record*: if its sequence number is below the last one
stored, the numbering restarted and every record is requested (those already stored are dropped
as duplicates, new ones with a reused number are stored because their meter time differs). The
probe's own record is not stored: it is stored already, or comes again with "all records". The
last stored sequence is read from the device's stored messages in storage order, results and
quarantined records alike (``devices.link_drivers.last_glucose_sequence``), so after a restart
the gateway follows the meter's new numbers and an unreadable record is not fetched again.

Failures are clear, never silent: a meter that cannot filter (op code / operator / operand not
supported) is asked for all records instead; *procedure already in progress* (ATT error on the
RACP write) aborts the meter's procedure and asks once more; anything else, and silence longer
than the profile's ``response_timeout`` while a response is owed, is a ``Refused`` event (counted
for the device, its reason written to the wire log) and the gateway disconnects. Records received
before a failure are already stored.
"""

from __future__ import annotations

import logging

from devices.codecs import racp
from devices.codecs.gatt_glucose import CONTEXT_UUID, MEASUREMENT_UUID
from devices.codecs.gatt_lines import (
    DISCONNECT,
    GattBadLine,
    GattFailure,
    GattLineReader,
    GattValue,
    subscribe_command,
    write_command,
)
from devices.codecs.gatt_records import AssembledRecord, RecordAssembler, StrayValue
from devices.errors import CodecError
from devices.profile import DeviceProfile
from devices.session import Junk, LinkEvent, Received, Refused, Send

log = logging.getLogger("devices.glucose_fetch")

#: Due at once: the session polls as soon as the link is up.
AT_CONNECT = 0.0


class GlucoseFetchDriver:
    """One RACP record fetch per connection. ``last_sequence`` is the sequence number of the
    record the gateway stored last for this device (None: nothing stored yet)."""

    protocol = "ble"

    def __init__(self, profile: DeviceProfile, *, last_sequence: int | None) -> None:
        assert profile.ble is not None
        self._device_id = profile.device_id
        self._timeout = profile.ble.response_timeout
        self.last_sequence = last_sequence
        self._reader = GattLineReader()
        self._assembler = RecordAssembler()
        self._deadline: float | None = AT_CONNECT
        self._started = False
        #: "from" (records >= last + 1), "last" (the newest record, to see a restart), "all".
        self.step = "all" if last_sequence is None else "from"
        self._request = b""
        self._aborted_once = False
        self._newest: int | None = None
        #: True once the meter said it is done (or the fetch failed) and the gateway disconnected.
        self.finished = False
        #: Why the fetch fell back or ended early (also logged; sequence numbers only, no patient data).
        self.notes: list[str] = []

    def _note(self, text: str) -> None:
        self.notes.append(text)
        log.info("device %s: %s", self._device_id, text)

    # ----------------------------------------------------------------- LinkDriver
    def next_deadline(self) -> float | None:
        return self._deadline

    def link_lost(self, reason: str) -> list[LinkEvent]:
        # A measurement still waiting for its context is not stored without it (a fasting value
        # would pass for a random one): the next connection fetches it again, since the fetch
        # resumes after the last stored sequence number.
        return []

    def poll(self, now: float) -> list[LinkEvent]:
        if self._deadline is None or now < self._deadline:
            return []
        if not self._started:
            self._started = True
            self._deadline = now + self._timeout
            subscribe = [Send(subscribe_command(u)) for u in (MEASUREMENT_UUID, CONTEXT_UUID, racp.RACP_UUID)]
            return [*subscribe, self._ask(self._first_request())]
        return [
            *self._records(self._assembler.flush()),
            *self._fail(
                f"{racp.describe_request(self._request)}",
                f"no RACP response within {self._timeout:g} s (response_timeout)",
            ),
        ]

    def feed(self, data: bytes, now: float) -> list[LinkEvent]:
        events: list[LinkEvent] = []
        for line in self._reader.feed(data):
            if self.finished:
                break
            if isinstance(line, GattBadLine):
                events.append(Junk(line.reason, line.raw, line.offset))
            elif isinstance(line, GattFailure):
                events += self._failure(line)
            elif line.uuid == racp.RACP_UUID:
                events += self._response(line)
            elif self.step == "last":
                # The probe for a restarted numbering: its record is either stored already or
                # comes again with "all records", so it is not stored here (storage order stays
                # the meter's order, which is how the last stored sequence is found next time).
                self._note_sequence(line)
            else:
                events += self._records(self._assembler.add(line))
        if data and not self.finished:
            self._deadline = now + self._timeout
        return events

    # ----------------------------------------------------------------- steps
    def _first_request(self) -> bytes:
        if self.last_sequence is None:
            return racp.all_records()
        return racp.records_from((self.last_sequence + 1) & 0xFFFF)

    def _ask(self, request: bytes) -> Send:
        self._request = request
        return Send(write_command(racp.RACP_UUID, request))

    def _records(self, items: list[AssembledRecord | StrayValue]) -> list[LinkEvent]:
        events: list[LinkEvent] = []
        for item in items:
            if isinstance(item, StrayValue):
                events.append(Junk(item.reason, item.raw, item.offset))
                continue
            events.append(Received(item.raw, item.pieces))
        return events

    def _note_sequence(self, value: GattValue) -> None:
        if value.uuid == MEASUREMENT_UUID and len(value.data) >= 3:
            self._newest = int.from_bytes(value.data[1:3], "little")

    def _finish(self) -> list[LinkEvent]:
        self.finished = True
        self._deadline = None
        return [*self._records(self._assembler.flush()), Send(DISCONNECT)]

    def _fail(self, what: str, note: str) -> list[LinkEvent]:
        self._note(f"{what}: {note}")
        return [Refused(what, note), *self._finish()]

    def _failure(self, failure: GattFailure) -> list[LinkEvent]:
        if failure.uuid == CONTEXT_UUID:
            self._note("the meter has no glucose context characteristic; records come without meal")
            return []
        if (
            failure.uuid == racp.RACP_UUID
            and failure.att_code in racp.ALREADY_IN_PROGRESS
            and not self._aborted_once
        ):
            self._aborted_once = True
            self._note("procedure already in progress: aborted it and asked again")
            return [Send(write_command(racp.RACP_UUID, racp.abort()))]
        code = f"ATT error 0x{failure.att_code:02X}: " if failure.att_code is not None else ""
        what = (
            racp.describe_request(self._request)
            if failure.uuid == racp.RACP_UUID
            else f"subscribe {failure.uuid}"
        )
        return self._fail(what, f"{code}{failure.text or 'refused'}")

    def _response(self, value: GattValue) -> list[LinkEvent]:
        try:
            response = racp.parse_response(value.data)
        except CodecError as exc:
            return [Junk(f"unreadable RACP response: {exc}", value.data, value.offset)]
        if isinstance(response, racp.NumberOfRecords):
            return []
        if response.request_op_code == racp.ABORT:
            if response.code == racp.SUCCESS:
                return [self._ask(self._request)]
            return self._fail("RACP abort operation", response.text)
        if response.request_op_code != racp.REPORT_RECORDS:
            return []
        events = self._records(self._assembler.flush())
        code, what = response.code, racp.describe_request(self._request)
        if code in (racp.SUCCESS, racp.NO_RECORDS):
            if self.step == "from" and code == racp.NO_RECORDS:
                # Nothing at or above last + 1: either nothing new, or the numbering restarted.
                self.step = "last"
                self._newest = None
                return [*events, self._ask(racp.last_record())]
            newest, last = self._newest, self.last_sequence
            if self.step == "last" and newest is not None and last is not None and newest < last:
                self._note(
                    f"the meter's newest record is sequence {newest}, below the last stored {last}: "
                    "its numbering restarted (memory cleared or wrapped); asking for all records"
                )
                self.step = "all"
                return [*events, self._ask(racp.all_records())]
            return [*events, *self._finish()]
        if code in racp.UNSUPPORTED and self.step == "from":
            self._note(
                f"the meter cannot filter by sequence number ({response.text}); asking for all records"
            )
            self.step = "all"
            return [*events, self._ask(racp.all_records())]
        if code in racp.UNSUPPORTED and self.step == "last":
            self._note(f"the meter cannot report its last record ({response.text}); restart not checked")
            return [*events, *self._finish()]
        return [*events, *self._fail(what, response.text)]

"""GATT values -> stored messages -> results, for ``protocol = "ble"`` profiles (pure).

One stored message is one record, written as GATT lines (``devices.codecs.gatt_lines``):

* a Glucose Measurement 0x2A18, followed by its Context 0x2A34 when the meter sent one with the
  same sequence number (:class:`RecordAssembler` pairs them);
* a Blood Pressure Measurement 0x2A35 (``devices.codecs.gatt``), a Temperature Measurement
  0x2A1C, a PLX Spot-check 0x2A5E or a PLX Continuous Measurement 0x2A5F
  (``devices.codecs.gatt_vitals``) or a Weight Measurement 0x2A9D (``devices.codecs.gatt_weight``).

The glucose record's sequence number is its sample id (``seq 12``), so the gateway's
exactly-once key (device, sample id, test, device time) drops a record the meter sends again -
after a reconnect in the middle of a transfer, or because it ignored the "from sequence N"
filter and sent everything - and still stores a new record that reuses an old number after the
meter's memory was cleared (its device time differs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from devices.codecs import gatt, gatt_vitals, gatt_weight
from devices.codecs.gatt_glucose import (
    CONTEXT_UUID,
    FASTING,
    MEASUREMENT_UUID,
    SAMPLE_LOCATIONS,
    SAMPLE_TYPES,
    UNTRUSTWORTHY,
    GlucoseContext,
    GlucoseMeasurement,
    decode_context,
    decode_measurement,
)
from devices.codecs.gatt_lines import GattBadLine, GattFailure, GattLineReader, GattValue, value_line
from devices.errors import CodecError
from devices.mapping import Fields, build_result
from devices.profile import DeviceProfile
from devices.results import DeviceResult, Quarantine, message_id
from devices.tolerance import ToleranceCounter
from referral.plurals import counted

BP_UUID = gatt.BP_UUID
#: Characteristics whose values are records (a glucose context travels with its measurement).
RECORD_UUIDS = frozenset(
    {
        MEASUREMENT_UUID,
        BP_UUID,
        gatt_vitals.TEMPERATURE_UUID,
        gatt_vitals.PLX_SPOT_CHECK_UUID,
        gatt_vitals.PLX_CONTINUOUS_UUID,
        gatt_weight.WEIGHT_UUID,
    }
)
#: Sample id of a glucose record: this prefix and the record's sequence number.
SEQUENCE_PREFIX = "seq "
#: Flag of a glucose result whose meter clock was not set (no device time).
TIME_UNKNOWN = "device_time_unknown"
#: Flag of a glucose record measured longer before it reached the gateway than the profile's
#: ``[ble] max_record_age`` allows: it may be another patient's reading left in the meter.
OLD_RECORD = "old_stored_record"


@dataclass(frozen=True, slots=True)
class AssembledRecord:
    raw: bytes  # the record's GATT lines
    offset: int  # of its first line
    #: (byte of ``raw``, byte of the stream) where each of its lines starts: a context's line
    #: need not follow its measurement's in the stream
    pieces: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class StrayValue:
    """A value that belongs to no record (a context whose measurement never came)."""

    raw: bytes
    offset: int
    reason: str


def _sequence(data: bytes) -> int | None:
    return int.from_bytes(data[1:3], "little") if len(data) >= 3 else None


class RecordAssembler:
    """Pairs each glucose measurement with the context of the same sequence number (sans-IO).

    A measurement that announces a context (flags bit 4) waits for it; it is given up (stored
    alone) when another record arrives or :meth:`flush` is called (the RACP procedure ended)."""

    def __init__(self) -> None:
        self._pending: GattValue | None = None

    @property
    def waiting(self) -> bool:
        return self._pending is not None

    def add(self, value: GattValue) -> list[AssembledRecord | StrayValue]:
        if value.uuid == CONTEXT_UUID:
            pending, seq = self._pending, _sequence(value.data)
            if pending is not None and seq is not None and seq == _sequence(pending.data):
                self._pending = None
                first = value_line(pending.uuid, pending.data)
                raw = first + value_line(value.uuid, value.data)
                return [
                    AssembledRecord(raw, pending.offset, ((0, pending.offset), (len(first), value.offset)))
                ]
            return [
                StrayValue(
                    value_line(value.uuid, value.data),
                    value.offset,
                    f"glucose context for sequence {seq} without its measurement (expected right after"
                    f" the 2a18 measurement of sequence {seq}, whose flags byte 0 bit 4 announces it)"
                    if seq is not None
                    else f"glucose context of {counted(len(value.data), 'bytes')}: no sequence number (bytes 1-2)",
                )
            ]
        if value.uuid not in RECORD_UUIDS:
            return []
        out = self.flush()
        if value.uuid == MEASUREMENT_UUID and value.data[:1] and value.data[0] & 0x10:
            self._pending = value
            return out
        return [*out, _alone(value)]

    def flush(self) -> list[AssembledRecord | StrayValue]:
        pending, self._pending = self._pending, None
        if pending is None:
            return []
        return [_alone(pending)]


def _alone(value: GattValue) -> AssembledRecord:
    """A record of one value: its line, where it started in the stream."""
    return AssembledRecord(value_line(value.uuid, value.data), value.offset, ((0, value.offset),))


def read_records(data: bytes) -> list[AssembledRecord | StrayValue | GattBadLine | GattFailure]:
    """A capture of GATT lines -> records in file order (RACP responses and other values that
    are not records are skipped; unreadable lines and stray contexts are reported)."""
    reader, assembler = GattLineReader(), RecordAssembler()
    out: list[AssembledRecord | StrayValue | GattBadLine | GattFailure] = []
    for line in [*reader.feed(data), *reader.flush()]:
        if isinstance(line, GattValue):
            out += assembler.add(line)
        else:
            out.append(line)
    return [*out, *assembler.flush()]


def record_sequence(raw: bytes) -> int | None:
    """The sequence number of the glucose measurement in a stored record's GATT lines, readable
    or not as a result (None when the bytes hold no measurement with one)."""
    for line in GattLineReader().feed(raw if raw.endswith(b"\n") else raw + b"\n"):
        if isinstance(line, GattValue) and line.uuid == MEASUREMENT_UUID:
            return _sequence(line.data)
    return None


def _values(raw: bytes) -> list[GattValue]:
    values = []
    for line in GattLineReader().feed(raw if raw.endswith(b"\n") else raw + b"\n"):
        if not isinstance(line, GattValue):
            detail = (
                line.reason if isinstance(line, GattBadLine) else f"link failure on {line.uuid}: {line.text}"
            )
            raise CodecError(detail)
        values.append(line)
    if not values:
        raise CodecError("no GATT value in the message")
    return values


def _single_value_results(
    profile: DeviceProfile, value: GattValue, raw: bytes, counter: ToleranceCounter
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """A blood-pressure, thermometer, oximeter or weight record: one characteristic value."""
    if value.uuid == BP_UUID:
        return gatt.bp_results(profile, value.data, counter=counter, record=raw)
    if value.uuid == gatt_vitals.TEMPERATURE_UUID:
        return gatt_vitals.temperature_results(
            profile, gatt_vitals.decode_temperature(value.data), raw, counter, value.data
        )
    if value.uuid == gatt_vitals.PLX_SPOT_CHECK_UUID:
        return gatt_vitals.spot_check_results(
            profile, gatt_vitals.decode_spot_check(value.data), raw, counter, value.data
        )
    if value.uuid == gatt_vitals.PLX_CONTINUOUS_UUID:
        return gatt_vitals.continuous_results(
            profile, gatt_vitals.decode_continuous(value.data), raw, counter
        )
    if value.uuid == gatt_weight.WEIGHT_UUID:
        return gatt_weight.weight_results(
            profile, gatt_weight.decode_weight(value.data), raw, counter, value.data
        )
    raise CodecError(
        f"characteristic {value.uuid} is not one this gateway decodes "
        "(2a18 [+ 2a34], 2a35, 2a1c, 2a5e, 2a5f, 2a9d)"
    )


def decode_message(
    profile: DeviceProfile,
    raw: bytes,
    *,
    counter: ToleranceCounter | None = None,
    base_offset: int = 0,
    received_at: datetime | None = None,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """One stored record (its GATT lines) -> results. Never raises for bad device data: the
    whole record is quarantined with the reason (field and byte offset). ``received_at`` (live
    only) holds a glucose record older than the profile's ``max_record_age``."""
    counter = counter or ToleranceCounter()
    reading: GattValue | None = None  # the value being decoded: a byte named is of its data
    try:
        values = _values(raw)
        first = reading = values[0]
        if first.uuid == MEASUREMENT_UUID:
            measurement = decode_measurement(first.data)
            context = None
            if len(values) > 1:
                if values[1].uuid != CONTEXT_UUID or len(values) > 2:
                    raise CodecError("a glucose record is a 2a18 measurement and at most one 2a34 context")
                try:
                    context = decode_context(values[1].data)
                except CodecError as exc:
                    # at the context's own line (replay and the gateway place it by the record's
                    # pieces: it need not follow its measurement in the stream)
                    at = base_offset + values[1].offset
                    said = _in_value(values[1], exc)
                    return [], [Quarantine("unparseable_message", raw, at, profile.device_id, said)]
                reading = None  # both read: what follows is of the record, not of a value
                if context.sequence != measurement.sequence:
                    raise CodecError(
                        f"glucose context sequence {context.sequence} does not match measurement "
                        f"sequence {measurement.sequence}"
                    )
            return glucose_results(profile, measurement, context, raw, counter, base_offset, received_at)
        if len(values) == 1:
            results, problems = _single_value_results(profile, first, raw, counter)
            # the codecs of single-value records number bytes from the record; replay and the
            # quarantine name the record's place in the capture or session
            return (
                [replace(r, byte_offset=base_offset) for r in results],
                [replace(q, byte_offset=base_offset) for q in problems],
            )
        raise CodecError(f"characteristic {first.uuid} cannot be followed by {values[1].uuid} in one record")
    except CodecError as exc:
        said = str(exc) if reading is None else _in_value(reading, exc)
        return [], [Quarantine("unparseable_message", raw, base_offset, profile.device_id, said)]


def _in_value(value: GattValue, exc: CodecError) -> str:
    """A decoder's reason, whose byte numbers count from the characteristic value's first byte
    (not the capture's, as the line's offset does), said so: 'in the 2a18 value of 13 bytes: ...'."""
    return f"in the {value.uuid} value of {counted(len(value.data), 'bytes')}: {exc}"


def glucose_results(
    profile: DeviceProfile,
    m: GlucoseMeasurement,
    context: GlucoseContext | None,
    raw: bytes,
    counter: ToleranceCounter,
    base_offset: int = 0,
    received_at: datetime | None = None,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """A decoded glucose record -> one result (vendor code ``GLU`` or ``GLU-FASTING``); none when
    the record carries no concentration field.

    A meter's memory holds earlier readings, possibly of other patients; the gateway links a
    result without a patient id to the patient the meter is attached to when it *arrives*. So a
    record whose meter time is more than ``[ble] max_record_age`` before ``received_at`` is held
    (``preliminary``, flag ``old_stored_record``) for a person to place, never fed automatically."""
    if m.unit is None:
        return [], []
    value, unit = m.value_and_unit()
    flags = [f"sensor:{name}" for name in m.annunciations]
    if value and "result_above_range" in m.annunciations:
        value = f">{value}"
    elif value and "result_below_range" in m.annunciations:
        value = f"<{value}"
    when = m.time
    trusted = not (UNTRUSTWORTHY & set(m.annunciations))
    if when is None:
        flags.append(TIME_UNKNOWN)
        trusted = False
    observed_at = when.replace(tzinfo=profile.zone) if when is not None else None
    limit = profile.ble.max_record_age if profile.ble is not None else None
    age = received_at - observed_at if observed_at is not None and received_at is not None else None
    if age is not None and limit is not None and age > timedelta(seconds=limit):
        flags.append(OLD_RECORD)
        trusted = False
    comments = [f"record sequence {m.sequence}"]
    if m.sample_type is not None:
        comments.append(f"sample {SAMPLE_TYPES.get(m.sample_type, f'type {m.sample_type}')}")
    if m.sample_location is not None:
        comments.append(f"site {SAMPLE_LOCATIONS.get(m.sample_location, f'location {m.sample_location}')}")
    if context is not None and context.meal_name:
        comments.append(f"meal {context.meal_name}")
    elif m.context_follows and context is None:
        comments.append("context announced but not received")
    fasting = context is not None and context.meal == FASTING
    f = Fields(
        protocol="ble",
        message_id=message_id(raw),
        sample_id=f"{SEQUENCE_PREFIX}{m.sequence}",
        patient_id=None,
        vendor_code="GLU-FASTING" if fasting else "GLU",
        raw_value=value,
        device_unit=unit,
        status="final" if trusted else "preliminary",
        qc=m.control_solution,
        flags=tuple(flags),
        observed_at=observed_at,
        reference_range=None,
        byte_offset=base_offset,
        comments=tuple(comments),
    )
    result, problem = build_result(f, profile, counter, raw)
    return [result], [problem] if problem is not None else []

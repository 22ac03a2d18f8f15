"""A Bluetooth LE device that reports each measurement as it is taken (a blood-pressure monitor's
0x2A35, a thermometer's 0x2A1C, a pulse oximeter's 0x2A5E spot-check, a weight scale's 0x2A9D
indications, a pulse oximeter's 0x2A5F continuous notifications), as a gateway ``LinkDriver``
(sans-IO).

On connect (the first ``poll``, due at once) the driver subscribes to the measurement
characteristic; every value is then one ``Received`` message (one record), committed by the
session as it arrives. The Bluetooth stack confirms an indication itself, so there is no
application acknowledgement to hold; the device decides when to disconnect. A refused
subscription is a ``Refused`` event and the gateway disconnects. A continuous device's readings
go through ``devices.continuous_sampling``: one without a significant change since the last stored
reading, within the profile's interval, is an ``Unchanged`` event, not a message.
"""

from __future__ import annotations

from devices.codecs.gatt_lines import (
    DISCONNECT,
    GattBadLine,
    GattFailure,
    GattLineReader,
    subscribe_command,
    value_line,
)
from devices.continuous_sampling import UnchangedReadings
from devices.session import Junk, LinkEvent, Received, Refused, Send, Unchanged

#: The measurement characteristic of each subscription service.
MEASUREMENTS = {
    "blood_pressure": "2a35",
    "thermometer": "2a1c",
    "pulse_oximeter": "2a5e",
    "weight_scale": "2a9d",
    "pulse_oximeter_continuous": "2a5f",
}


class SubscriptionDriver:
    protocol = "ble"

    def __init__(self, measurement_uuid: str, sampling: UnchangedReadings | None = None) -> None:
        self._uuid = measurement_uuid
        self._sampling = sampling
        self._reader = GattLineReader()
        self._deadline: float | None = 0.0

    def next_deadline(self) -> float | None:
        return self._deadline

    def link_lost(self, reason: str) -> list[LinkEvent]:
        return []  # the BLE link hands over whole lines; nothing is held across reads

    def poll(self, now: float) -> list[LinkEvent]:
        if self._deadline is None or now < self._deadline:
            return []
        self._deadline = None
        return [Send(subscribe_command(self._uuid))]

    def feed(self, data: bytes, now: float) -> list[LinkEvent]:
        events: list[LinkEvent] = []
        for line in self._reader.feed(data):
            if isinstance(line, GattBadLine):
                events.append(Junk(line.reason, line.raw, line.offset))
            elif isinstance(line, GattFailure):
                code = f"ATT error 0x{line.att_code:02X}: " if line.att_code is not None else ""
                events += [
                    Refused(f"subscribe {line.uuid}", f"{code}{line.text or 'refused'}"),
                    Send(DISCONNECT),
                ]
            elif line.uuid == self._uuid:
                if self._sampling is not None and not self._sampling.store(line.data, now):
                    events.append(Unchanged())
                else:
                    events.append(Received(value_line(line.uuid, line.data), ((0, line.offset),)))
        return events

"""A stand-in for the ``bleak`` package, for ``test_listen.py`` only (put on PYTHONPATH of a
``triage devices listen`` process). There is no Bluetooth controller on the test machines, so
this fake answers the two calls the BLE link makes - ``BleakScanner.find_device_by_name`` and
``BleakClient(target, disconnected_callback=..., timeout=...)`` - with a scripted glucose meter
(``tests.devices.ble.meter.ScriptedMeter``) holding two readings taken a few minutes ago. Each
session's end (the gateway disconnecting) is written as a line to the file $FAKE_BLEAK_SESSIONS
names, for the test to wait on."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.devices.ble.meter import ScriptedMeter, record

_NOW = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)
METER = ScriptedMeter(
    [record(1, meal=3, when=_NOW - timedelta(minutes=5)), record(2, when=_NOW - timedelta(minutes=3))]
)


class BleakScanner:
    @staticmethod
    async def find_device_by_name(name: str, timeout: float = 10.0) -> str | None:
        return f"fake device {name}" if name == "Glucose Meter" else None


def BleakClient(
    target: object, disconnected_callback: Callable[[object], None] | None = None, timeout: float = 10.0
) -> ScriptedMeter:
    assert target == "fake device Glucose Meter" and disconnected_callback is not None
    return METER.client(disconnected_callback)


_SESSIONS = os.environ.get("FAKE_BLEAK_SESSIONS")
_disconnect = METER.disconnect


async def _disconnect_and_say() -> None:
    """The meter's disconnect, then a line naming the requests it was sent so far."""
    was_connected = METER.connected
    await _disconnect()
    if was_connected and _SESSIONS:
        with open(_SESSIONS, "a", encoding="utf-8") as sessions:
            sessions.write(f"ended after {len(METER.requests)} requests\n")


METER.disconnect = _disconnect_and_say  # type: ignore[method-assign]

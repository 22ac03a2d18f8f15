"""What the gateway says of a session's events that are no message: bytes ignored outside a
session, frames answered NAK, the device's refusal of one of the gateway's messages, a message the
gateway does not handle, a partial message discarded - each counted in the device's
:class:`DeviceStatus` and logged (as ``devices.gateway``). Moved out of ``devices.gateway``."""

from __future__ import annotations

import logging

from devices.gateway_status import DeviceStatus
from devices.session import Ignored, Rejected

log = logging.getLogger("devices.gateway")


def ignored(status: DeviceStatus, event: Ignored, *, first: bool) -> None:
    status.ignored_bytes += event.size
    if first:  # once per session: a device at the wrong baud rate sends nothing else
        log.warning(
            "device %s: byte %d: %d bytes outside a session ignored (no ENQ before them): "
            "line noise, or check the baud rate, parity and protocol",
            status.device_id,
            event.offset,
            event.size,
        )


def rejected(status: DeviceStatus, event: Rejected) -> None:
    status.rejected_frames += 1
    status.last_error = f"byte {event.offset}: NAK: {event.reason}"
    log.warning(
        "device %s: byte %d: %s; answered NAK, the device resends it",
        status.device_id,
        event.offset,
        event.reason,
    )


def refused_by_device(status: DeviceStatus, what: str) -> None:
    status.refused_by_device.update([what])
    status.last_error = f"the device refused {what} (its note is in the wire log)"
    log.warning("device %s: the device refused %s (its note is in the wire log)", status.device_id, what)


def unhandled(status: DeviceStatus, what: str) -> None:
    status.unhandled.update([what])
    # The first of each kind is a warning; the same kind again is only counted (a device that
    # sends events at every conversation would otherwise fill the log).
    level = logging.WARNING if status.unhandled[what] == 1 else logging.DEBUG
    log.log(
        level,
        "device %s: %s is not handled by the gateway; acknowledged and ignored (%d so far; "
        "its bytes are in the wire log)",
        status.device_id,
        what,
        status.unhandled[what],
    )


def discarded(status: DeviceStatus, reason: str) -> None:
    status.discarded += 1
    log.warning("device %s: partial message discarded, nothing committed: %s", status.device_id, reason)

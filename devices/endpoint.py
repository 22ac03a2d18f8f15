"""What the gateway needs to run one device: where its bytes come from, how to talk, how to decode.

Built from a device profile (``devices.link_drivers.endpoint_from_profile``) or from CLI flags.
``make_driver`` returns a fresh sans-IO receiver for every session; ``decode`` turns one complete
message into inbox records. Neither does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.session import LinkDriver
from devices.transports.link import SerialSpec, TcpConnectSpec, TcpListenSpec
from referral.inbox import NewDeviceResult, NewQuarantineItem


@dataclass(frozen=True, kw_only=True)
class Decoded:
    """One decoded message: results to store, parts to quarantine, or a ``fatal`` reason (whole
    message quarantined, e.g. undecodable bytes at ``fatal_offset``). ``with_result`` of the
    ``quarantine`` items are problems of a result that is stored too (unmapped code, unexpected
    unit: the result is kept with ``code=None`` and held); the others never became a result."""

    results: list[NewDeviceResult] = field(default_factory=list)
    quarantine: list[NewQuarantineItem] = field(default_factory=list)
    with_result: int = 0
    parsed: dict[str, Any] | None = None
    fatal: str | None = None
    fatal_offset: int | None = None


@dataclass(frozen=True, kw_only=True)
class DeviceEndpoint:
    device_id: str
    protocol: str
    transport: SerialSpec | TcpListenSpec | TcpConnectSpec
    make_driver: Callable[[], LinkDriver]
    decode: Callable[[bytes, str], Decoded]  # (raw message, received_at ISO time) -> records
    wire_log_dir: Path | None = None
    reopen_initial_s: float = 0.5
    reopen_max_s: float = 30.0

    @property
    def transport_label(self) -> str:
        t = self.transport
        if isinstance(t, SerialSpec):
            return f"serial {t.url} {t.baudrate} {t.bytesize}{t.parity}{t.stopbits:g}"
        if isinstance(t, TcpListenSpec):
            return f"tcp listen {t.host}:{t.port}"
        return f"tcp connect {t.host}:{t.port}"

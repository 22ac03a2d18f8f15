"""What the gateway needs to run one device: where its bytes come from, how to talk, how to decode.

Built from a device profile (``devices.link_drivers.endpoint_from_profile``) or from CLI flags.
``make_driver`` returns a fresh sans-IO receiver for every session; ``decode`` turns one complete
message into inbox records. Neither does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.session import LinkDriver
from devices.transports.link import BleSpec, SerialSpec, TcpConnectSpec, TcpListenSpec
from referral.device_results import NewDeviceResult, NewQuarantineItem  # not referral.inbox: its storage

if TYPE_CHECKING:
    from sqlite_utils import Database


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
    #: Tolerance switches that fired while decoding this message, once per use: the gateway counts
    #: them when it stores the message (drivers report only the link's own switches).
    tolerated: tuple[str, ...] = ()
    #: Why and where parts became no result (``("no_test_code", 209)``, the byte of the message, or
    #: None): reasons and offsets only, for the ordinary log (the details may quote patient data).
    lost_parts: tuple[tuple[str, int | None], ...] = ()
    #: The OBX-11 status letter of each HL7 OBX that carried no result (I, N or O without a value):
    #: nothing stored for it, counted so that results are not fewer than OBX lines without a word.
    no_result: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DeviceEndpoint:
    device_id: str
    protocol: str
    transport: SerialSpec | TcpListenSpec | TcpConnectSpec | BleSpec
    make_driver: Callable[[], LinkDriver]
    #: For a conversation that resumes from what is stored (a glucose meter's RACP fetch asks for
    #: records after the last stored sequence number; a POCT1-A2 meter is sent an operator list
    #: only when it differs from the one it acknowledged): builds the driver from the clinic database.
    make_resumed_driver: Callable[[Database], LinkDriver] | None = None
    decode: Callable[[bytes, str], Decoded]  # (raw message, received_at ISO time) -> records
    #: A stored message's results as decoded today, with no side effect (no tolerance counted): how
    #: the inbox recognises a result an older gateway stored without today's sample id
    #: (``referral.inbox.record_message``).
    decode_again: Callable[[bytes, str], Sequence[NewDeviceResult]] | None = None
    wire_log_dir: Path | None = None
    reopen_initial_s: float = 0.5
    reopen_max_s: float = 30.0

    def new_driver(self, db: Database) -> LinkDriver:
        """A fresh driver for one session."""
        if self.make_resumed_driver is not None:
            return self.make_resumed_driver(db)
        return self.make_driver()

    @property
    def transport_label(self) -> str:
        t = self.transport
        if isinstance(t, SerialSpec):
            return f"serial {t.url} {t.baudrate} {t.bytesize}{t.parity}{t.stopbits:g}"
        if isinstance(t, TcpListenSpec):
            return f"tcp listen {t.host}:{t.port}"
        if isinstance(t, BleSpec):
            return t.label
        return f"tcp connect {t.host}:{t.port}"

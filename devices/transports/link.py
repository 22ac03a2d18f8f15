"""The one interface every transport offers, and the declarative specs transports are built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from devices.profile import SERIAL_ALLOWED, STANDARD_BAUDS
from referral.errors import ConfigError, json_text

Parity = Literal["N", "E", "O", "M", "S"]


class LinkClosed(Exception):
    """The peer went away (EOF, unplugged adapter, reset connection). Not a user error: the
    gateway reopens the link with back-off."""


class LinkError(ConfigError):
    """A port or address cannot be used as configured; the message names the port and the setting."""


class Link(Protocol):
    """A bidirectional byte stream to one device.

    ``read`` returns at least one byte, or raises ``LinkClosed``. ``write`` sends all bytes before
    returning (so "ACK written" means it left this process). ``label`` names the port or peer for
    logs; it never contains patient data.
    """

    label: str

    async def read(self) -> bytes: ...

    async def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, kw_only=True)
class SerialSpec:
    """Serial settings (LIS01-A2 default 9600 8N1). ``url`` is a path, a /dev/serial/by-id name or a pyserial URL."""

    url: str
    baudrate: int = 9600
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Parity = "N"
    stopbits: float = 1
    xonxoff: bool = False
    rtscts: bool = False
    dsrdtr: bool = False

    def __post_init__(self) -> None:
        if self.baudrate not in STANDARD_BAUDS:  # as a profile's serial.baud and --baud (12, 960: noise)
            raise LinkError(
                f"serial port {self.url}: baud rate {self.baudrate} is not {SERIAL_ALLOWED['baud']}"
            )
        if self.bytesize not in (5, 6, 7, 8):
            raise LinkError(f"serial port {self.url}: bytesize {self.bytesize} not in 5, 6, 7, 8")
        if self.parity not in ("N", "E", "O", "M", "S"):
            raise LinkError(
                f"serial port {self.url}: parity {json_text(self.parity)} not one of N, E, O, M, S"
            )
        if self.stopbits not in (1, 1.5, 2):
            raise LinkError(f"serial port {self.url}: stop bits {self.stopbits} not one of 1, 1.5, 2")


@dataclass(frozen=True, kw_only=True)
class TcpListenSpec:
    """The gateway listens; only ``allowed_peers`` (IP addresses) may connect. Loopback by default."""

    host: str = "127.0.0.1"
    port: int = 0
    allowed_peers: frozenset[str] = field(default_factory=lambda: frozenset({"127.0.0.1", "::1"}))

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise LinkError(f"TCP listen address {self.host}:{self.port}: port must be 0-65535")


@dataclass(frozen=True, kw_only=True)
class TcpConnectSpec:
    """The gateway is the TCP client (the device or its terminal server listens)."""

    host: str
    port: int

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise LinkError(f"TCP device address {self.host}:{self.port}: port must be 1-65535")


@dataclass(frozen=True, kw_only=True)
class BleSpec:
    """A Bluetooth LE device, found by ``address`` or else by its advertised ``name``
    (``devices.transports.ble``; needs the optional ``bleak`` package)."""

    address: str | None = None
    name: str | None = None
    scan_timeout: float = 10.0

    def __post_init__(self) -> None:
        if not (self.address or self.name):
            raise LinkError("Bluetooth LE device: give its address or its advertised name")

    @property
    def label(self) -> str:
        return f"ble {self.address}" if self.address else f"ble name {json_text(self.name)}"


TransportSpec = SerialSpec | TcpListenSpec | TcpConnectSpec | BleSpec

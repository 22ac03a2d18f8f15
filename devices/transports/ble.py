"""Bluetooth LE link on ``bleak`` (an optional extra: ``pip install 'clinic-triage[ble]'``).

The link is thin on purpose: it turns GATT notifications and indications into text lines
(``devices.codecs.gatt_lines``: ``<uuid> <hex>``) that the gateway's session reads as bytes,
and the lines the conversation writes (``subscribe <uuid>``, ``write <uuid> <hex>``,
``disconnect``) into bleak calls. Every protocol decision is in the sans-IO conversations
(``devices.glucose_fetch``, ``devices.gatt_subscription``). A GATT operation that fails is
reported back as a ``! <uuid> <att error> <text>`` line, so the conversation decides what it
means. bleak is imported only when a BLE device is opened; :func:`require_bleak` gives the
one-line install hint when it is missing.

bleak delivers notifications and its disconnected callback on the event loop; both only put a
line on the link's queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from typing import Any, Protocol

from devices.codecs.gatt_lines import (
    Disconnect,
    Subscribe,
    failure_line,
    full_uuid,
    parse_command,
    value_line,
)
from devices.errors import CodecError
from devices.transports.link import BleSpec, LinkClosed, LinkError
from referral.errors import DependencyMissingError

log = logging.getLogger("devices.transports.ble")

INSTALL_HINT = "pip install 'clinic-triage[ble]'"
_EOF = b""
_ATT_CODE = re.compile(r"(?:protocol|att)[ _]error[^0-9a-fx]*0x([0-9a-f]{2})", re.IGNORECASE)


class BleakMissingError(DependencyMissingError, LinkError):
    """bleak is not installed: a one-line dependency error for the CLI, and for a running gateway
    a link that cannot be opened (logged and retried like any other)."""


def require_bleak() -> Any:
    """The bleak module, or :class:`BleakMissingError` with the install command."""
    try:
        import bleak
    except ImportError:
        raise BleakMissingError(
            f"Bluetooth LE devices need the optional bleak package, which is not installed: {INSTALL_HINT}"
        ) from None
    return bleak


class GattClient(Protocol):
    """The part of ``bleak.BleakClient`` the link uses."""

    async def connect(self) -> Any: ...

    async def disconnect(self) -> Any: ...

    async def start_notify(self, char_specifier: str, callback: Callable[[Any, bytearray], Any]) -> None: ...

    async def write_gatt_char(self, char_specifier: str, data: bytes, response: bool) -> None: ...


def att_code(exc: BaseException) -> int | None:
    """The ATT error code in a Bluetooth stack's error text ("Protocol Error 0xFE"), if any."""
    m = _ATT_CODE.search(str(exc))
    return int(m.group(1), 16) if m else None


class BleLink:
    """One connection to a BLE device, as a gateway ``Link`` of GATT lines."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._client: GattClient | None = None
        self._closed = False  # the reader saw the end
        self._ended = False  # close() ran

    def disconnected(self, _client: object = None) -> None:
        """bleak's ``disconnected_callback``: the device went away."""
        self._queue.put_nowait(_EOF)

    def attach(self, client: GattClient) -> None:
        self._client = client

    async def read(self) -> bytes:
        if self._closed:
            raise LinkClosed(f"{self.label}: closed")
        data = await self._queue.get()
        if data == _EOF:
            self._closed = True
            raise LinkClosed(f"{self.label}: disconnected")
        return data

    async def write(self, data: bytes) -> None:
        if self._closed or self._ended or self._client is None:
            raise LinkClosed(f"{self.label}: closed")
        for line in data.splitlines():
            if not line.strip():
                continue
            try:
                command = parse_command(line)
            except CodecError as exc:
                raise LinkError(f"{self.label}: {exc}") from None
            if isinstance(command, Disconnect):
                await self.close()
                return
            try:
                if isinstance(command, Subscribe):
                    await self._client.start_notify(full_uuid(command.uuid), self._listener(command.uuid))
                else:
                    await self._client.write_gatt_char(full_uuid(command.uuid), command.data, response=True)
            except asyncio.CancelledError:
                raise
            except (
                Exception
            ) as exc:  # the stack's errors (BleakError, TimeoutError...) go to the conversation
                log.warning("%s: GATT operation on %s failed: %s", self.label, command.uuid, exc)
                self._queue.put_nowait(
                    failure_line(command.uuid, att_code(exc), f"{type(exc).__name__}: {exc}")
                )

    def _listener(self, uuid: str) -> Callable[[Any, bytearray], None]:
        def on_value(_characteristic: Any, data: bytearray) -> None:
            self._queue.put_nowait(value_line(uuid, bytes(data)))

        return on_value

    async def close(self) -> None:
        if self._ended:
            return
        self._ended = True
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.disconnect()
        self._queue.put_nowait(_EOF)


ClientFactory = Callable[[Callable[[object], None]], GattClient]


async def open_ble(spec: BleSpec, *, make_client: ClientFactory | None = None) -> BleLink:
    """Find and connect to the device. ``make_client(disconnected_callback)`` builds the GATT
    client (default: a ``bleak.BleakClient`` for the address, or for the device a scan found by
    name). ``LinkClosed`` when the device is not found or refuses the connection (the gateway
    retries with back-off)."""
    if make_client is None:
        make_client = await _bleak_client_factory(spec)
    link = BleLink(spec.label)
    client = make_client(link.disconnected)
    try:
        await client.connect()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise LinkClosed(f"{spec.label}: cannot connect: {type(exc).__name__}: {exc}") from None
    link.attach(client)
    return link


async def _bleak_client_factory(spec: BleSpec) -> ClientFactory:
    bleak = require_bleak()
    target: Any = spec.address
    if not target:
        try:
            target = await bleak.BleakScanner.find_device_by_name(spec.name, timeout=spec.scan_timeout)
        except Exception as exc:  # no adapter, adapter off, permission denied
            raise LinkClosed(f"{spec.label}: cannot scan: {type(exc).__name__}: {exc}") from None
        if target is None:
            raise LinkClosed(f"{spec.label}: not found within {spec.scan_timeout:g} s of scanning")

    def make(disconnected: Callable[[object], None]) -> GattClient:
        client: GattClient = bleak.BleakClient(
            target, disconnected_callback=disconnected, timeout=spec.scan_timeout
        )
        return client

    return make

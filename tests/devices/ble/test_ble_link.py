"""The BLE link (``devices.transports.ble``) against a fake GATT client, and `triage devices listen`
with a BLE profile when the optional bleak package is missing.

There is no Bluetooth controller on the test machines, so the client here is a fake that
implements the small interface the link uses from ``bleak.BleakClient`` (connect,
start_notify, write_gatt_char with response, disconnect, and the disconnected callback),
delivering notifications and the disconnect on the event loop as bleak does. Every protocol
decision is tested on the sans-IO conversation (test_glucose_fetch.py)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import pytest

from devices.codecs.gatt_lines import GattFailure, GattLineReader, GattValue
from devices.gateway import Gateway
from devices.transports.ble import BleakMissingError, att_code, open_ble, require_bleak
from devices.transports.link import BleSpec, LinkClosed, LinkError
from tests.devices.gateway.harness import wait_until
from triage.cli import main

SPEC = BleSpec(address="C4:7C:8D:6A:12:34")
GLUCOSE = "00002a18-0000-1000-8000-00805f9b34fb"
RACP = "00002a52-0000-1000-8000-00805f9b34fb"


class FakeClient:
    def __init__(self, disconnected: Callable[[object], None], *, fail_connect: bool = False) -> None:
        self.disconnected = disconnected
        self.fail_connect = fail_connect
        self.calls: list[tuple[str, ...]] = []
        self.callbacks: dict[str, Callable[[Any, bytearray], None]] = {}
        self.write_error: Exception | None = None

    async def connect(self) -> None:
        if self.fail_connect:
            raise TimeoutError("device did not answer")
        self.calls.append(("connect",))

    async def disconnect(self) -> None:
        self.calls.append(("disconnect",))

    async def start_notify(self, char_specifier: str, callback: Callable[[Any, bytearray], None]) -> None:
        self.calls.append(("start_notify", char_specifier))
        self.callbacks[char_specifier] = callback

    async def write_gatt_char(self, char_specifier: str, data: bytes, response: bool) -> None:
        self.calls.append(("write", char_specifier, data.hex(), str(response)))
        if self.write_error is not None:
            raise self.write_error

    def notify(self, uuid: str, data: bytes) -> None:
        asyncio.get_running_loop().call_soon(self.callbacks[uuid], object(), bytearray(data))

    def drop(self) -> None:
        asyncio.get_running_loop().call_soon(self.disconnected, self)


async def subscribed_fake(
    gateway: Gateway, device_id: str, uuid: str
) -> tuple[FakeClient, asyncio.Task[None]]:
    """A fake device connected to ``gateway`` as ``device_id``'s BLE link, once the gateway has
    subscribed to the 16-bit ``uuid``; the task is the gateway's session (it ends on ``drop``)."""
    made: list[FakeClient] = []
    link = await open_ble(
        BleSpec(name=device_id), make_client=lambda cb: made.append(FakeClient(cb)) or made[-1]
    )
    session = asyncio.create_task(gateway.serve_link(device_id, link))
    full = f"0000{uuid}-0000-1000-8000-00805f9b34fb"
    await wait_until(lambda: ("start_notify", full) in made[0].calls)
    return made[0], session


def lines(data: bytes) -> list[object]:
    return GattLineReader().feed(data)


def test_commands_become_gatt_calls_and_values_become_lines() -> None:
    async def scenario() -> tuple[FakeClient, list[object]]:
        made: list[FakeClient] = []
        link = await open_ble(SPEC, make_client=lambda cb: made.append(FakeClient(cb)) or made[-1])
        client = made[0]
        assert link.label == "ble C4:7C:8D:6A:12:34"
        await link.write(b"subscribe 2a18\nsubscribe 2a52\nwrite 2a52 0101\n")
        client.notify(GLUCOSE, b"\x00\x01\x00")
        client.notify(RACP, b"\x06\x00\x01\x01")
        got = [*lines(await link.read()), *lines(await link.read())]
        client.drop()
        with pytest.raises(LinkClosed, match="disconnected"):
            await link.read()
        await link.close()
        await link.close()  # once is enough
        return client, got

    client, got = asyncio.run(scenario())
    assert client.calls == [
        ("connect",),
        ("start_notify", GLUCOSE),
        ("start_notify", RACP),
        ("write", RACP, "0101", "True"),  # write WITH response: the meter must accept it
        ("disconnect",),
    ]
    assert got == [GattValue("2a18", b"\x00\x01\x00", 0), GattValue("2a52", b"\x06\x00\x01\x01", 0)]


def test_a_failed_gatt_operation_is_reported_to_the_conversation_with_its_att_code() -> None:
    async def scenario() -> list[object]:
        made: list[FakeClient] = []
        link = await open_ble(SPEC, make_client=lambda cb: made.append(FakeClient(cb)) or made[-1])
        made[0].write_error = RuntimeError("Protocol Error 0xFE: Procedure Already in Progress")
        await link.write(b"write 2a52 0101\n")
        got = lines(await link.read())
        with pytest.raises(LinkError, match="not a GATT command"):
            await link.write(b"read 2a18\n")
        await link.close()
        with pytest.raises(LinkClosed):
            await link.write(b"write 2a52 0101\n")
        return got

    (failure,) = asyncio.run(scenario())
    assert isinstance(failure, GattFailure) and failure.uuid == "2a52" and failure.att_code == 0xFE
    assert "Procedure Already in Progress" in failure.text
    assert att_code(RuntimeError("ATT error: 0x81")) == 0x81 and att_code(RuntimeError("no code")) is None


def test_a_device_that_does_not_answer_is_a_closed_link_for_the_reopen_loop() -> None:
    async def scenario() -> None:
        await open_ble(SPEC, make_client=lambda cb: FakeClient(cb, fail_connect=True))

    with pytest.raises(LinkClosed, match="cannot connect: TimeoutError: device did not answer"):
        asyncio.run(scenario())
    with pytest.raises(LinkError, match="address or its advertised name"):
        BleSpec()


def test_without_bleak_the_link_and_listen_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "bleak", None)  # as if the extra were not installed
    with pytest.raises(BleakMissingError, match=r"pip install 'clinic-triage\[ble\]'"):
        require_bleak()
    with pytest.raises(LinkError):  # a running gateway logs it and retries like any link error
        asyncio.run(open_ble(SPEC))
    code = main(["devices", "listen", "--profile", "ble-glucose_meter"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.strip().splitlines() == [
        "error: Bluetooth LE devices need the optional bleak package, which is not installed: "
        "pip install 'clinic-triage[ble]'"
    ]
    code = main(["devices", "listen", "--profile", "ble-bp_monitor", "--port", "/dev/ttyUSB0"])
    _, err = capsys.readouterr()
    assert code == 2 and "[ble] table says how to find it" in err

"""Transports over real pseudo-terminals and loopback sockets: chunking, EOF, peer allow-list."""

from __future__ import annotations

import asyncio
import errno
import grp
import io
import logging
import os
import pwd
import tty
from pathlib import Path

import pytest
import serial

from devices.transports import (
    LinkClosed,
    LinkError,
    SerialLink,
    SerialSpec,
    TcpConnectSpec,
    TcpListener,
    TcpListenSpec,
    connect_tcp,
    open_serial,
    parse_host_port,
)
from devices.transports.pty import open_pty
from devices.transports.serial_port import open_problem
from devices.transports.tcp import TcpLink


def _pty() -> tuple[int, str]:
    master, slave = os.openpty()
    tty.setraw(master)
    path = os.ttyname(slave)
    os.close(slave)
    return master, path


def test_serial_link_reads_what_the_device_writes_in_any_chunking() -> None:
    master, path = _pty()

    async def scenario() -> bytes:
        link = open_serial(SerialSpec(url=path, baudrate=9600))
        received = b""
        for chunk in (b"\x05", b"\x021H|\\^&", b"|||\r\x03A1\r\n"):
            os.write(master, chunk)
            while not received.endswith(chunk):
                received += await asyncio.wait_for(link.read(), 2)
        await link.write(b"\x06")
        await link.close()
        return received

    assert asyncio.run(scenario()) == b"\x05\x021H|\\^&|||\r\x03A1\r\n"
    assert os.read(master, 10) == b"\x06"
    os.close(master)


def test_serial_link_reports_unplug_as_link_closed() -> None:
    master, path = _pty()

    async def scenario() -> None:
        link = open_serial(SerialSpec(url=path))
        os.close(master)
        with pytest.raises(LinkClosed):
            await asyncio.wait_for(link.read(), 2)
        await link.close()

    asyncio.run(scenario())


def test_loop_url_without_file_descriptor_is_polled() -> None:
    async def scenario() -> bytes:
        link = open_serial(SerialSpec(url="loop://"))
        await link.write(b"SPO2=097 HR=072\r\n")
        data = b""
        while len(data) < 17:
            data += await asyncio.wait_for(link.read(), 2)
        await link.close()
        return data

    assert asyncio.run(scenario()) == b"SPO2=097 HR=072\r\n"


def test_missing_serial_port_is_a_clear_error() -> None:
    # pyserial's words named the path and the errno twice and said nothing of what to do
    with pytest.raises(
        LinkError,
        match=r"^cannot open serial port /dev/does-not-exist: no such port \(not plugged in, or a typo: "
        r"`triage devices ports` lists this computer's ports\)$",
    ):
        open_serial(SerialSpec(url="/dev/does-not-exist"))


def test_a_path_that_is_not_a_serial_port_says_so(tmp_path: Path) -> None:
    """--port at a regular file (or /dev/null) said pyserial's "Could not configure port: (25,
    'Inappropriate ioctl for device')", which names no mistake."""
    not_a_port = tmp_path / "capture.bin"
    not_a_port.write_bytes(b"")
    with pytest.raises(LinkError) as raised:
        open_serial(SerialSpec(url=str(not_a_port)))
    assert str(raised.value) == (
        f"cannot open serial port {not_a_port}: not a serial port (a file or another kind of device; "
        "`triage devices ports` lists this computer's serial ports)"
    )


def test_a_port_the_user_may_not_open_says_which_group_to_join() -> None:
    # root (the tests here) opens any port, so pyserial's exception for a user who may not is made
    refused = serial.SerialException(
        errno.EACCES, "could not open port /dev/ttyUSB0: [Errno 13] Permission denied"
    )
    assert open_problem(refused) == (
        "permission denied: the user running the gateway needs the port's group, usually dialout "
        "(sudo usermod -aG dialout USER, then log in again)"
    )


def test_permission_denied_names_the_ports_own_group_and_the_user() -> None:
    """The words said "usually dialout" and "USER": on Arch Linux serial ports belong to uucp,
    so `usermod -aG dialout` changed nothing there. Now the port's own group and the user running
    the gateway. A real pty given the group uucp; pyserial's exception is made, as above (root
    opens any port)."""
    pty = open_pty()
    try:
        os.chown(pty.slave_path, -1, grp.getgrnam("uucp").gr_gid)
        refused = serial.SerialException(
            errno.EACCES, f"could not open port {pty.slave_path}: Permission denied"
        )
        user = pwd.getpwuid(os.getuid()).pw_name
        assert open_problem(refused, pty.slave_path) == (
            f"permission denied: the user running the gateway ({user}) needs the port's group, uucp "
            f"(sudo usermod -aG uucp {user}, then log in again)"
        )
    finally:
        asyncio.run(pty.close())


def test_bad_serial_settings_name_the_setting() -> None:
    with pytest.raises(LinkError, match='parity "X"'):
        SerialSpec(url="/dev/ttyS0", parity="X")  # type: ignore[arg-type]


@pytest.mark.parametrize("baud", [12, 960, 9601, 0, -9600])
def test_a_serial_rate_no_uart_runs_at_is_refused_in_code_as_in_a_profile(baud: int) -> None:
    with pytest.raises(
        LinkError, match=rf"/dev/ttyS0: baud rate {baud} is not a standard serial rate .* 9600, 19200"
    ):
        SerialSpec(url="/dev/ttyS0", baudrate=baud)


@pytest.mark.parametrize("baud", [50, 1200, 9600, 38400, 115200, 4000000])
def test_the_standard_serial_rates_are_taken_in_code(baud: int) -> None:
    assert SerialSpec(url="/dev/ttyS0", baudrate=baud).baudrate == baud


@pytest.mark.parametrize(
    ("text", "message"),
    [("localhost", "expected HOST:PORT"), ("h:abc", "not a number"), ("h:70000", "outside 0-65535")],
)
def test_host_port_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(LinkError, match=message):
        parse_host_port(text)


def test_tcp_device_that_speaks_first_loses_no_byte() -> None:
    """devices.md section 7 item 28: ENQ sent the instant the connection opens is read."""

    async def scenario() -> bytes:
        received: list[bytes] = []

        async def serve(link: TcpLink) -> None:
            while len(b"".join(received)) < 2:
                received.append(await link.read())

        listener = TcpListener(TcpListenSpec(host="127.0.0.1", port=0), serve, name="dev")
        await listener.start()
        host, port = listener.address
        _reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"\x05\x04")
        await writer.drain()
        for _ in range(100):
            if len(b"".join(received)) >= 2:
                break
            await asyncio.sleep(0.01)
        writer.close()
        await listener.close()
        return b"".join(received)

    assert asyncio.run(scenario()) == b"\x05\x04"


def test_connection_from_an_address_not_allowed_is_refused_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> tuple[bytes, int, list[str]]:
        served: list[str] = []
        refused: list[str] = []

        async def serve(link: TcpLink) -> None:
            served.append(link.peer)

        spec = TcpListenSpec(
            host="127.0.0.1", port=0, allowed_peers=frozenset({"10.20.30.40", "192.168.0.0/24"})
        )
        listener = TcpListener(spec, serve, name="hl7-monitor", on_refused=refused.append)
        await listener.start()
        reader, writer = await asyncio.open_connection(*listener.address)
        data = await asyncio.wait_for(reader.read(), 2)  # EOF: the gateway closed on us
        writer.close()
        await listener.close()
        return data, listener.refused, refused + served

    with caplog.at_level(logging.WARNING, logger="devices.transports.tcp"):
        data, refused_count, peers = asyncio.run(scenario())
    assert data == b""
    assert refused_count == 1 and peers == ["127.0.0.1"]
    assert "refused TCP connection from 127.0.0.1" in caplog.text
    assert "hl7-monitor" in caplog.text


def test_a_refused_peer_is_one_warning_saying_how_to_allow_it(caplog: pytest.LogCaptureFixture) -> None:
    """A device not in allowed_peers retries every few seconds: each refusal was a warning (a line
    every few seconds all day), saying only 'not in allowed_peers []' - empty for 'loopback only' -
    and not how to allow it. Now said once a peer (counted each time), with the setting. Loopback
    TCP, a listener that allows another address only."""

    async def scenario() -> int:
        spec = TcpListenSpec(host="127.0.0.1", port=0, allowed_peers=frozenset({"10.20.30.40"}))
        listener = TcpListener(spec, lambda link: asyncio.sleep(0), name="hl7-monitor")
        await listener.start()
        for _ in range(3):
            reader, writer = await asyncio.open_connection(*listener.address)
            assert await asyncio.wait_for(reader.read(), 2) == b""  # closed on us
            writer.close()
        await listener.close()
        return listener.refused

    with caplog.at_level(logging.WARNING, logger="devices.transports.tcp"):
        assert asyncio.run(scenario()) == 3
    (said,) = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert said == (
        "device hl7-monitor: refused TCP connection from 127.0.0.1 (not in allowed_peers ['10.20.30.40']); "
        'if it is the device, allow it: --allow-peer 127.0.0.1, or [tcp] allowed_peers = ["127.0.0.1"] in '
        "its profile"
    )


def test_listener_address_in_use_is_a_clear_error() -> None:
    async def scenario() -> None:
        first = TcpListener(TcpListenSpec(port=0), lambda link: asyncio.sleep(0), name="a")
        await first.start()
        second = TcpListener(TcpListenSpec(port=first.address[1]), lambda link: asyncio.sleep(0), name="b")
        try:
            # asyncio's own words were "error while attempting to bind on address ('127.0.0.1',
            # N): address already in use", with nothing on what to do
            port = first.address[1]
            with pytest.raises(
                LinkError,
                match=rf"^device b: cannot listen on 127\.0\.0\.1:{port}: port {port} is already in use "
                r"\(another gateway, or another program, listens there\): stop it, or give this device another port$",
            ):
                await second.start()
        finally:
            await first.close()

    asyncio.run(scenario())


def test_bad_allowed_peer_is_a_config_error() -> None:
    with pytest.raises(LinkError, match='allowed peer "lab-pc"'):
        TcpListener(
            TcpListenSpec(allowed_peers=frozenset({"lab-pc"})), lambda link: asyncio.sleep(0), name="x"
        )


def test_tcp_client_to_a_closed_port_raises_link_closed() -> None:
    async def scenario() -> None:
        listener = TcpListener(TcpListenSpec(port=0), lambda link: asyncio.sleep(0), name="a")
        await listener.start()
        port = listener.address[1]
        await listener.close()
        with pytest.raises(LinkClosed, match="cannot connect"):
            await connect_tcp(TcpConnectSpec(host="127.0.0.1", port=port), timeout_s=2)

    asyncio.run(scenario())


class _UnpluggedAdapter:
    """A pyserial port whose USB adapter is pulled mid-frame: the only fault a pty cannot produce."""

    is_open = True
    timeout: float | None = 0.0

    def __init__(self) -> None:
        self._chunks = [b"\x05", b"\x021H|\\^&|||SIM"]

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")

    def read(self, size: int) -> bytes:
        if self._chunks:
            return self._chunks.pop(0)
        raise serial.SerialException("device reports readiness to read but returned no data")

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        self.is_open = False


def test_serial_exception_mid_frame_becomes_link_closed() -> None:
    """devices.md item 27: the session ends cleanly (LinkClosed), so the gateway reopens the port."""

    async def scenario() -> bytes:
        link = SerialLink(_UnpluggedAdapter(), "/dev/serial/by-id/usb-test")  # type: ignore[arg-type]
        received = await link.read() + await link.read()
        with pytest.raises(LinkClosed, match="usb-test: device reports readiness"):
            await link.read()
        await link.close()
        return received

    assert asyncio.run(scenario()).startswith(b"\x05\x021H")

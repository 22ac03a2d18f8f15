"""Serial and USB-serial ports through pyserial, read without a thread where the OS allows it.

A port with a file descriptor (ttyS, ttyUSB, /dev/serial/by-id links, pseudo-terminals) is read
with the event loop's fd reader; pyserial URLs without one (``loop://``) are polled in a worker
thread. An unplugged adapter shows as ``SerialException``/``OSError`` or an empty readable read
and becomes ``LinkClosed``; the gateway then reopens with back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import grp
import io
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

import serial
from serial.tools import list_ports

from devices.transports.link import LinkClosed, LinkError, SerialSpec

_READ_SIZE = 4096
_POLL_TIMEOUT_S = 0.02


def open_serial(spec: SerialSpec) -> SerialLink:
    """Open the port with the profile's settings; ``LinkError`` names the port and the reason."""
    try:
        port = serial.serial_for_url(
            spec.url,
            baudrate=spec.baudrate,
            bytesize=spec.bytesize,
            parity=spec.parity,
            stopbits=spec.stopbits,
            xonxoff=spec.xonxoff,
            rtscts=spec.rtscts,
            dsrdtr=spec.dsrdtr,
            timeout=0,
            write_timeout=5,
            # A second reader of the same port (another gateway, a terminal program, a second
            # profile) would take some of the bytes each: refused at open, with the reason.
            exclusive=True,
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise LinkError(f"cannot open serial port {spec.url}: {open_problem(exc, spec.url)}") from None
    return SerialLink(port, spec.url)


def open_problem(exc: Exception, path: str = "") -> str:
    """Why a port did not open, and what to do. pyserial says the path and errno twice ("[Errno 2]
    could not open port /dev/ttyUSB1: [Errno 2] No such file or directory: '/dev/ttyUSB1'")."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return "no such port (not plugged in, or a typo: `triage devices ports` lists this computer's ports)"
    if code == errno.EACCES:
        group, user = _group_of(path), _user()
        if group is None or group == "root":  # not known, or a port no group may open
            return (
                "permission denied: the user running the gateway needs the port's group, usually dialout "
                "(sudo usermod -aG dialout USER, then log in again)"
            )
        # the port's own group: dialout on Debian, Ubuntu and Fedora, uucp on Arch Linux
        return (
            f"permission denied: the user running the gateway ({user}) needs the port's group, {group} "
            f"(sudo usermod -aG {group} {user}, then log in again)"
        )
    if code == errno.ENOTTY or "Inappropriate ioctl for device" in str(exc):
        # pyserial: "Could not configure port: (25, 'Inappropriate ioctl for device')"
        return (
            "not a serial port (a file or another kind of device; `triage devices ports` lists this "
            "computer's serial ports)"
        )
    if "exclusively lock" in str(exc):
        # pyserial says "[Errno 11] Could not exclusively lock port P: [Errno 11] Resource ..."
        who = " and ".join(_holders(path)) if path else ""
        return (
            f"in use: {who or 'another program'} holds it (another gateway, or a terminal program); "
            "stop it, or give this device another port"
        )
    return str(exc)


def _group_of(path: str) -> str | None:
    """The name of the group that owns ``path`` (a serial port), or None."""
    try:
        return grp.getgrgid(os.stat(path).st_gid).gr_name if path else None
    except (OSError, KeyError):
        return None


def _user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return "USER"


def _holders(path: str) -> list[str]:
    """The other processes that have ``path`` open, as ``process 4242 (minicom)``, where this user
    may see them (/proc); none elsewhere. The program's name only: a command line may hold a secret."""
    try:
        target = os.path.realpath(path)
        pids = [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and int(entry) != os.getpid()]
    except OSError:
        return []
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.path.realpath(f"/proc/{pid}/fd/{fd}") == target for fd in fds):
                found.append(f"process {pid} ({Path(f'/proc/{pid}/comm').read_text().strip()})")
    return found


class SerialLink:
    """One open serial port implementing ``Link``."""

    def __init__(self, port: serial.SerialBase, label: str) -> None:
        self._port = port
        self.label = label
        self._fd: int | None
        try:
            self._fd = port.fileno()
        except (io.UnsupportedOperation, AttributeError):
            self._fd = None
            port.timeout = _POLL_TIMEOUT_S

    async def read(self) -> bytes:
        if self._fd is None:
            while True:
                data = await asyncio.to_thread(self._read_now)
                if data:
                    return data
        loop = asyncio.get_running_loop()
        while True:
            readable: asyncio.Future[None] = loop.create_future()
            loop.add_reader(self._fd, _mark_ready, readable)
            try:
                await readable
            finally:
                loop.remove_reader(self._fd)
            data = self._read_now()
            if data:
                return data
            # Readable but empty: the device end of the line is gone (pty closed, adapter unplugged).
            raise LinkClosed(f"{self.label}: end of file")

    def _read_now(self) -> bytes:
        if not self._port.is_open:
            raise LinkClosed(f"{self.label}: port closed")
        try:
            return bytes(self._port.read(_READ_SIZE))
        except (serial.SerialException, OSError) as exc:
            raise LinkClosed(f"{self.label}: {exc}") from None

    async def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as exc:
            raise LinkClosed(f"{self.label}: write failed: {exc}") from None

    async def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            self._port.close()


def _mark_ready(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


#: What pyserial reports for a description or hardware id it does not know (``ListPortInfo``).
_NOT_KNOWN = "n/a"


@dataclass(frozen=True)
class SerialPortInfo:
    """A port as ``triage devices ports`` lists it: None for what is not known (no by-id name, a
    description or hardware id pyserial reports as "n/a"), never a placeholder string."""

    device: str
    description: str | None
    hwid: str | None
    by_id: str | None


def _known(text: str | None) -> str | None:
    return None if not text or text == _NOT_KNOWN else text


def list_serial_ports() -> list[SerialPortInfo]:
    """Serial ports the OS reports, with their stable ``/dev/serial/by-id`` name when there is one
    (None for what is not known: :class:`SerialPortInfo`)."""
    by_id: dict[str, str] = {}
    try:
        folder = "/dev/serial/by-id"
        for name in sorted(os.listdir(folder)):
            by_id[os.path.realpath(os.path.join(folder, name))] = os.path.join(folder, name)
    except OSError:
        pass
    ports = []
    for info in sorted(list_ports.comports(), key=lambda p: p.device):
        ports.append(
            SerialPortInfo(
                device=info.device,
                description=_known(info.description),
                hwid=_known(info.hwid),
                by_id=by_id.get(info.device),
            )
        )
    return ports


__all__ = ["LinkError", "SerialLink", "SerialPortInfo", "list_serial_ports", "open_serial"]

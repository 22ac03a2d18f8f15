"""Pseudo-terminals: the device side of a serial line without hardware.

``open_pty()`` returns the master end as a ``Link`` (what a simulated device writes to) and the
slave path (what the gateway opens as its serial port, exactly like ``/dev/ttyUSB0``). Baud rate
and parity are accepted on the slave but not enforced by the kernel.
"""

from __future__ import annotations

import asyncio
import os
import tty

from devices.transports.link import LinkClosed


class PtyLink:
    """The master end of a pseudo-terminal, read through the event loop's fd reader."""

    def __init__(self, master_fd: int, slave_path: str, slave_fd: int | None = None) -> None:
        self._fd: int | None = master_fd
        # Holding the slave open keeps the master readable (no EIO) until the gateway opens the
        # path, and across gateway reopen cycles.
        self._slave_fd = slave_fd
        self.slave_path = slave_path
        self.label = f"pty {slave_path}"
        os.set_blocking(master_fd, False)

    @property
    def master_fd(self) -> int:
        """The master file descriptor (for callers that drive the device side with blocking I/O)."""
        if self._fd is None:
            raise LinkClosed(f"{self.label}: closed")
        return self._fd

    async def read(self) -> bytes:
        loop = asyncio.get_running_loop()
        while True:
            fd = self._fd
            if fd is None:
                raise LinkClosed(f"{self.label}: closed")
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                ready: asyncio.Future[None] = loop.create_future()
                loop.add_reader(fd, _set_ready, ready)
                try:
                    await ready
                finally:
                    loop.remove_reader(fd)
                continue
            except OSError as exc:  # EIO: the slave side was closed
                raise LinkClosed(f"{self.label}: {exc.strerror}") from None
            if not data:
                raise LinkClosed(f"{self.label}: end of file")
            return data

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            fd = self._fd
            if fd is None:
                raise LinkClosed(f"{self.label}: closed")
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                await asyncio.sleep(0.001)
                continue
            except OSError as exc:
                raise LinkClosed(f"{self.label}: write failed: {exc.strerror}") from None
            view = view[written:]

    async def close(self) -> None:
        """Unplug: the gateway's reads of the slave then fail and it reopens with back-off."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        if self._slave_fd is not None:
            slave, self._slave_fd = self._slave_fd, None
            os.close(slave)


def _set_ready(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def open_pty() -> PtyLink:
    """A new pty pair in raw mode; the slave stays openable by path until ``close()``."""
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    return PtyLink(master, os.ttyname(slave), slave)

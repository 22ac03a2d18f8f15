"""An in-process byte pipe: two connected ``Link`` ends, for simulations and benchmarks without a port.

Closing either end ends the other's reads with ``LinkClosed`` (like a TCP FIN or an unplugged cable).
"""

from __future__ import annotations

import asyncio

from devices.transports.link import LinkClosed

_EOF = b""


class MemoryLink:
    def __init__(self, label: str, inbox: asyncio.Queue[bytes], outbox: asyncio.Queue[bytes]) -> None:
        self.label = label
        self._inbox = inbox
        self._outbox = outbox
        self._closed = False
        self.peer: MemoryLink | None = None

    async def read(self) -> bytes:
        if self._closed:
            raise LinkClosed(f"{self.label}: closed")
        data = await self._inbox.get()
        if data == _EOF:
            self._closed = True
            raise LinkClosed(f"{self.label}: peer closed")
        return data

    async def write(self, data: bytes) -> None:
        if self._closed or (self.peer is not None and self.peer._closed):
            raise LinkClosed(f"{self.label}: closed")
        if data:
            self._outbox.put_nowait(data)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._outbox.put_nowait(_EOF)
            self._inbox.put_nowait(_EOF)


def memory_pipe(label: str = "memory") -> tuple[MemoryLink, MemoryLink]:
    """(device end, gateway end) of a new in-process connection."""
    a_to_b: asyncio.Queue[bytes] = asyncio.Queue()
    b_to_a: asyncio.Queue[bytes] = asyncio.Queue()
    device = MemoryLink(f"{label} device end", b_to_a, a_to_b)
    gateway = MemoryLink(f"{label} gateway end", a_to_b, b_to_a)
    device.peer, gateway.peer = gateway, device
    return device, gateway

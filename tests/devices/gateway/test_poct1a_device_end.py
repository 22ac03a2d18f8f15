"""The POCT1-A2 tests' device end (``_DeviceEnd`` in test_poct1a_conversation.py) waits for the
host's bytes and fails at once when the host closes the connection.

What was wrong: a closed connection reads ``b''`` at once, every time, so ``read`` - waiting for
more messages than the host sent before it closed - looped on it for ever, burning a CPU, each
read answered at once (its 3 s timeout never came), until pytest-timeout ended the whole run.
Now it fails saying after how many messages the host closed. Over loopback TCP, a real server
that answers one message and closes; the reads are counted, not timed."""

from __future__ import annotations

import asyncio

import pytest

from devices.codecs.poct1a import build_ack
from tests.devices.gateway.test_poct1a_conversation import _DeviceEnd


class _CountedReads:
    """The reader, its reads counted; the 20th fails (a device end that waits reads twice here)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self.reads = 0

    async def read(self, n: int) -> bytes:
        self.reads += 1
        if self.reads >= 20:
            raise RuntimeError(f"read {self.reads} times: the device end spins on a closed connection")
        return await self._reader.read(n)


def test_a_host_that_closes_early_fails_the_read_without_spinning() -> None:
    async def scenario() -> tuple[str, int]:
        async def host(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(build_ack("1", "7"))  # one answer, then the host hangs up
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(host, "127.0.0.1", 0)
        async with server:
            device = await _DeviceEnd.connect(server.sockets[0].getsockname()[:2])
            counted = _CountedReads(device._reader)
            device._reader = counted  # type: ignore[assignment]
            with pytest.raises(AssertionError) as failed:
                await device.read(2)
            device.writer.close()
            return str(failed.value), counted.reads

    said, reads = asyncio.run(scenario())
    assert said.startswith("the host closed the connection after 1 of 2 messages")
    assert reads <= 3  # the answer (with the end, or before it), then the end

"""A device connecting in the same moment as the gateway stops (Ctrl-C, SIGTERM): under load the
loop accepted the connection as it stopped, and the connection's handler then ran after the
listener had closed - 'RuntimeError: listener is not started' and a traceback after "stopped"
(`test_cli_listen.py::test_stopping_listen_with_a_device_connected_prints_no_traceback[sigterm]`
failed so once). Real gateway, loopback TCP, real SQLite file; the stop is made after each number
of loop turns from 0 on, so every moment of the accept (the loop's accept, the transport, the
handler's task, the session) meets it."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

from devices.gateway import Gateway
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.transports.link import TcpListenSpec


def _stop_after(turns: int, db: Path) -> list[dict[str, Any]]:
    """What the loop reported while a device connected and the gateway stopped ``turns`` loop
    turns later; the loop runs on until every task has ended."""
    problems: list[dict[str, Any]] = []

    async def scenario() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, context: problems.append(context))
        clock = MonotonicClock()
        endpoint = endpoint_from_profile(
            load_profile("mindray-bs380"), clock=clock, transport=TcpListenSpec(port=0)
        )
        gateway = Gateway([endpoint], db, clock=clock)
        run = asyncio.create_task(gateway.run())
        await gateway.wait_ready()
        # the kernel completes the connection; the loop has not seen it yet
        with socket.create_connection(gateway.listen_address("mindray-bs380")) as device:
            device.sendall(b"\x0bMSH|^~\\&|MONITOR")  # a message begun, not ended
            for _ in range(turns):
                await asyncio.sleep(0)
            gateway.stop()
            await run
            for _ in range(20):  # what was scheduled as it stopped runs now
                await asyncio.sleep(0)
        assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    asyncio.run(scenario())
    return problems


def test_a_device_connecting_as_the_gateway_stops_leaves_no_error(tmp_path: Path) -> None:
    for turns in range(12):
        problems = _stop_after(turns, tmp_path / f"clinic-{turns}.db")
        assert problems == [], f"stopped {turns} loop turns after the connection: {problems}"

"""The gateway as the TCP client of a POCT1-A2 dock (profile ``[tcp] mode = "connect"``): a dock
that closes after every conversation is reconnected with growing pauses while it has nothing
(idle), up to the cap, and at once again after a conversation that brought a result.

A real loopback TCP server plays the dock and notes the time of every connection the gateway
opens; the pauses are the endpoint's (``reopen_initial_s`` / ``reopen_max_s``, shortened here).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import random
import time
from pathlib import Path

from devices import simulated_poct1a
from devices.link_drivers import endpoint_from_profile
from devices.profile import TcpSettings
from devices.session import MonotonicClock
from devices.simulated_results import generate_samples, simulator_profile
from devices.simulator import SimulatedDevice
from devices.transports.link import Link
from devices.transports.tcp import TcpLink
from tests.devices.gateway.harness import running_gateway, wait_until

INITIAL_S, CAP_S = 0.05, 0.8
#: The connection (counted from 0) on which the dock has a result; every other one is idle.
WITH_RESULT = 5
CONNECTIONS = 9


async def _idle_conversation(link: Link) -> None:
    """HEL, DST with no new observations; the gateway answers END.R01, then the dock hangs up."""
    await link.write(simulated_poct1a.hello("1"))
    await link.write(simulated_poct1a.status("2", 0))
    heard = b""
    while b"END.R01" not in heard:
        heard += await link.read()
    await link.close()


def test_an_idle_dock_is_reconnected_with_growing_pauses_reset_by_a_conversation_with_a_result(
    tmp_path: Path,
) -> None:
    connected_at: list[float] = []
    samples = generate_samples("poct1a-meter", random.Random(3), 1, qc_rate=0.0)
    base = simulator_profile("poct1a-meter", "meter")

    async def scenario() -> list[float]:
        async def dock(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            number = len(connected_at)
            connected_at.append(time.monotonic())
            link = TcpLink(reader, writer, "dock")
            if number == WITH_RESULT:

                async def connect() -> Link:
                    return link

                report = await SimulatedDevice("poct1a-meter", connect, samples, profile=profile).run()
                assert report.unacknowledged == 0
            else:
                await _idle_conversation(link)

        server = await asyncio.start_server(dock, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        profile = base.model_copy(update={"tcp": TcpSettings(mode="connect", host="127.0.0.1", port=port)})
        endpoint = dataclasses.replace(
            endpoint_from_profile(profile, clock=MonotonicClock()),
            reopen_initial_s=INITIAL_S,
            reopen_max_s=CAP_S,
        )
        async with running_gateway([endpoint], tmp_path / "clinic.db") as gateway:
            await wait_until(lambda: len(connected_at) >= CONNECTIONS, timeout_s=30)
            status = gateway.status()[0]
        server.close()
        assert status.results == len(samples[0].results) and status.reopen_attempts >= CONNECTIONS
        return [later - earlier for earlier, later in itertools.pairwise(connected_at)]

    pauses = asyncio.run(scenario())
    # idle: 0.05, 0.1, 0.2, 0.4, 0.8 (the cap), 0.8; the conversation with a result (the sixth
    # connection) sets it back: 0.05, then 0.1 ... Only lower bounds are tight (a loaded machine
    # makes a pause longer, never shorter); reconnecting every 0.05 s would fail the first ones.
    expected = [0.05, 0.1, 0.2, 0.4, 0.8, 0.05, 0.1, 0.2]
    for pause, wanted in zip(pauses, expected, strict=False):
        assert pause >= wanted * 0.9, (pauses, expected)
    assert pauses[WITH_RESULT] < 0.5, f"not reset after the conversation with a result: {pauses}"
    assert pauses[4] < 0.8 + 0.5, f"the pause grows no further than the cap: {pauses}"

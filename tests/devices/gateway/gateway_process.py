"""A gateway in its own process, for the crash test: ``python -m tests.devices.gateway.gateway_process DB PORTFILE``.

Runs the simulated ASTM analyzer's profile on a loopback TCP port and writes the port number to
PORTFILE once listening. The test kills it with SIGKILL at random moments.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from devices.gateway import Gateway
from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import simulator_profile
from devices.transports.link import TcpListenSpec


async def main(db_path: Path, port_file: Path) -> None:
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"), clock=clock, transport=TcpListenSpec(port=0)
    )
    gateway = Gateway([endpoint], db_path, clock=clock)
    task = asyncio.create_task(gateway.run())
    await gateway.wait_ready()
    port_file.write_text(str(gateway.listen_address("analyzer")[1]))
    await task


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))

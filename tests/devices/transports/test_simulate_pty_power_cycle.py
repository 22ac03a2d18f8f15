"""`triage devices simulate --pty` with `--disconnect`, as the CLI synopsis offers it: the first
injected disconnect closed the pseudo-terminal, the gateway lost its port for good and simulate
ended with 'the pseudo-terminal was closed; a simulated pty device cannot reconnect' (exit 1). A
disconnect on a pty is now a power cycle: the device starts over on the same wire."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import simulator_profile
from devices.transports.link import SerialSpec
from tests.devices.gateway.harness import count, running_gateway, wait_until


def test_a_disconnect_on_a_pty_is_a_power_cycle_and_every_reading_arrives(tmp_path: Path) -> None:
    simulate = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("triage")),
            *("devices", "simulate", "--pty", "--wait", "3", "--kind", "pulse-oximeter", "--count", "5"),
            *("--disconnect", "0.5", "--seed", "1", "--interval", "0.1", "--json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert simulate.stdout is not None
    path = json.loads(simulate.stdout.readline())["pty"]
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        simulator_profile("pulse-oximeter", "oximeter"), clock=clock, transport=SerialSpec(url=path)
    )
    db_path = tmp_path / "clinic.db"

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await wait_until(lambda: count(db_path, "device_results") == 10, timeout_s=30)  # SpO2 + pulse
            return gateway.status()[0].sessions

    sessions = asyncio.run(scenario())
    out, err = simulate.communicate(timeout=30)
    assert simulate.returncode == 0, err
    report = json.loads(out.splitlines()[-1])
    assert report["lines_written"] == 5 and report["reconnects"] >= 1
    assert sessions == 1  # the gateway kept its port open throughout

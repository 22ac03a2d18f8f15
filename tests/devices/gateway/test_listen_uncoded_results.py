"""How `triage devices listen` names a result that has no vocabulary code: the real Pentra capture
played over a real pty to a gateway with its bundled profile (real SQLite file). Its WBC is in the
profile's mapping table but comes with the unit-system code ``1`` as its unit, and its LYM# is one
of the profile's ignored codes: both were shown as "(unmapped ...)", which sent an integrator to
a mapping table that has the code."""

from __future__ import annotations

import asyncio
from pathlib import Path

from devices.gateway import GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.simulator import SimulatedDevice, trace_messages
from devices.transports.link import Link, SerialSpec
from devices.transports.pty import open_pty
from tests.devices.gateway.harness import running_gateway, wait_until
from triage.cli.devices_link import _result_line

TRACE = Path(__file__).resolve().parents[1] / "traces" / "data" / "horiba-pentra_xlr.astm"


def test_a_mapped_code_with_a_unit_not_taken_and_an_ignored_code_say_so(tmp_path: Path) -> None:
    profile = load_profile("horiba-pentra_xlr")
    clock = MonotonicClock()
    delivered: list[GatewayResult] = []

    async def scenario() -> None:
        pty = open_pty()
        endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
        async with running_gateway(
            [endpoint], tmp_path / "clinic.db", clock=clock, delivered=delivered
        ) as gateway:
            await asyncio.sleep(0.05)

            async def connect() -> Link:
                return pty

            messages = trace_messages(TRACE.read_bytes(), "astm")
            device = SimulatedDevice(
                "astm-analyzer", connect, messages, profile=profile, close_when_done=False
            )
            assert (await asyncio.wait_for(device.run(), 20)).unacknowledged == 0
            await wait_until(lambda: len(delivered) == 21)
            await pty.close()

    asyncio.run(scenario())
    shown = {r.stored.vendor_code: _result_line(r).split("  ")[3] for r in delivered}
    assert shown["WBC"] == '(WBC: unit "1" not in its device_units) = 8.5 1'
    assert shown["PLT"] == '(PLT: unit "1" not in its device_units) = 234 1'
    assert shown["LYM#"] == "(LYM#: ignored by the profile) = 3.29 1"

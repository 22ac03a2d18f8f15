"""A censored value (``>20.0``: above the analyser's range) as `triage devices listen` shows it:
the real Mindray capture played over loopback TCP to a gateway with its bundled profile (real
SQLite file). The gateway stores the value's text with its comparator (``>20.0``, and ``>`` apart),
so putting the comparator in front again showed ``>>20.0 mmol/L``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from devices.gateway import GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.simulator import SimulatedDevice, trace_messages
from devices.transports.link import Link, TcpConnectSpec, TcpListenSpec
from devices.transports.tcp import connect_tcp
from tests.devices.gateway.harness import running_gateway, wait_until
from triage.cli.devices_link import _result_line

TRACE = Path(__file__).resolve().parents[1] / "traces" / "data" / "mindray-bs380.hl7"


def test_a_value_above_the_range_is_shown_once_with_its_comparator(tmp_path: Path) -> None:
    profile = load_profile("mindray-bs380")
    clock = MonotonicClock()
    delivered: list[GatewayResult] = []

    async def scenario() -> None:
        endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
        async with running_gateway(
            [endpoint], tmp_path / "clinic.db", clock=clock, delivered=delivered
        ) as gateway:
            host, port = gateway.listen_address(profile.device_id)

            async def connect() -> Link:
                return await connect_tcp(TcpConnectSpec(host=host, port=port))

            messages = trace_messages(TRACE.read_bytes(), "hl7")
            report = await asyncio.wait_for(SimulatedDevice("hl7-monitor", connect, messages).run(), 20)
            assert report.unacknowledged == 0
            await wait_until(lambda: len(delivered) == gateway.status()[0].results)

    asyncio.run(scenario())
    (tc,) = [r for r in delivered if r.stored.vendor_code == "TC"]
    assert (tc.stored.value, tc.stored.comparator, tc.stored.value_num) == (">20.0", ">", 20.0)
    assert tc.stored.shown_value == ">20.0 mmol/L"
    assert "  total_cholesterol = >20.0 mmol/L  [" in _result_line(tc)
    glucose = [r.stored.shown_value for r in delivered if r.stored.vendor_code == "GLU"]
    assert glucose == ["7.8 mmol/L", "5.31 mmol/L", "6.1 mmol/L"]

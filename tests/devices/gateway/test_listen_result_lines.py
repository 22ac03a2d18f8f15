"""How `triage devices listen` shows each result, for real captures played to a gateway with their
bundled profiles (real SQLite file): the Mindray capture over loopback TCP, the Pentra capture
over a real pty.

* A censored value (``>20.0``: above the analyser's range) is stored as text with its comparator
  (``>20.0``, and ``>`` apart), so putting the comparator in front again showed ``>>20.0 mmol/L``.
* A result without a vocabulary code says why: the Pentra's WBC is in the profile's mapping table
  but comes with the unit-system code ``1`` as its unit, and its LYM# is one of the profile's
  ignored codes - both were shown as "(unmapped ...)", which sent an integrator to a mapping
  table that has the code."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path

import pytest

from devices.gateway import GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.simulator import SimulatedDevice, trace_messages
from devices.transports.link import Link, SerialSpec, TcpConnectSpec, TcpListenSpec
from devices.transports.pty import open_pty
from devices.transports.tcp import connect_tcp
from tests.devices.gateway.harness import running_gateway, wait_until
from triage.cli.devices_result_lines import result_line

TRACES = Path(__file__).resolve().parents[1] / "traces" / "data"


def _delivered(db: Path, name: str, trace: str) -> list[GatewayResult]:
    """What the gateway hands `listen` for the capture ``trace`` played with profile ``name``: an
    ASTM capture over a pty, an HL7 one over loopback TCP."""
    profile = load_profile(name)
    clock = MonotonicClock()
    delivered: list[GatewayResult] = []
    astm = profile.protocol == "astm"

    async def scenario() -> None:
        pty = open_pty() if astm else None
        transport = SerialSpec(url=pty.slave_path) if pty is not None else TcpListenSpec(port=0)
        endpoint = endpoint_from_profile(profile, clock=clock, transport=transport)
        async with running_gateway([endpoint], db, clock=clock, delivered=delivered) as gateway:

            async def connect() -> Link:
                if pty is not None:
                    return pty
                host, port = gateway.listen_address(name)
                return await connect_tcp(TcpConnectSpec(host=host, port=port))

            await asyncio.sleep(0.05)
            messages = trace_messages((TRACES / trace).read_bytes(), profile.protocol)
            kind = "astm-analyzer" if astm else "hl7-monitor"
            device = SimulatedDevice(kind, connect, messages, profile=profile, close_when_done=not astm)
            assert (await asyncio.wait_for(device.run(), 20)).unacknowledged == 0
            await wait_until(lambda: len(delivered) == gateway.status()[0].results)
            if pty is not None:
                await pty.close()

    asyncio.run(scenario())
    return delivered


def test_a_value_above_the_range_is_shown_once_with_its_comparator(tmp_path: Path) -> None:
    delivered = _delivered(tmp_path / "clinic.db", "mindray-bs380", "mindray-bs380.hl7")
    (tc,) = [r for r in delivered if r.stored.vendor_code == "TC"]
    assert (tc.stored.value, tc.stored.comparator, tc.stored.value_num) == (">20.0", ">", 20.0)
    assert tc.stored.shown_value == ">20.0 mmol/L"
    assert "  total_cholesterol = >20.0 mmol/L  [" in result_line(tc)
    glucose = [r.stored.shown_value for r in delivered if r.stored.vendor_code == "GLU"]
    assert glucose == ["7.8 mmol/L", "5.31 mmol/L", "6.1 mmol/L"]


def test_a_mapped_code_with_a_unit_not_taken_and_an_ignored_code_say_so(tmp_path: Path) -> None:
    delivered = _delivered(tmp_path / "clinic.db", "horiba-pentra_xlr", "horiba-pentra_xlr.astm")
    assert len(delivered) == 21
    shown = {r.stored.vendor_code: result_line(r).split("  ")[3] for r in delivered}
    assert shown["WBC"] == '(WBC: unit "1" not in its device_units) = 8.5 1'
    assert shown["PLT"] == '(PLT: unit "1" not in its device_units) = 234 1'
    assert shown["LYM#"] == "(LYM#: ignored by the profile) = 3.29 1"


def test_codes_the_profile_ignores_are_held_as_ignored_whatever_their_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The real Sysmex XN-550 capture, played with its old device times: its 37 indices the profile
    ignores were held as 'device time wrong' and counted in '41 results held for review', though
    no one reviews an ignored code (the held worklist leaves them out); only the 4 it maps are."""
    with caplog.at_level(logging.WARNING):
        delivered = _delivered(tmp_path / "clinic.db", "sysmex-xn550", "sysmex-xn550.astm")
    assert Counter(r.hold_kind for r in delivered) == {"ignored": 37, "clock": 4}
    (warning,) = [r.getMessage() for r in caplog.records if "held for review" in r.getMessage()]
    assert warning.startswith("4 results held for review: device sysmex-xn550 timed result WBC ")


def test_every_reason_a_result_is_held_for_is_shown_and_counted(tmp_path: Path) -> None:
    """The real Pentra capture with its old device times: every result was 'held: device ... time
    ...' and counted '21 held: 21 device time wrong', hiding that the profile takes none of its
    units "1" (WBC, PLT...) - set the clock right and they were still held. The unit is counted as
    such ('4 unit not in the profile'), not as '4 code not mapped': the profile maps those codes."""
    from devices.gateway import DeviceStatus
    from triage.cli.devices_result_lines import status_line

    delivered = _delivered(tmp_path / "clinic.db", "horiba-pentra_xlr", "horiba-pentra_xlr.astm")
    (wbc,) = [r for r in delivered if r.stored.vendor_code == "WBC"]
    assert wbc.hold_kinds == ("clock", "unexpected_unit", "no_patient")
    assert (
        '; device unit "1" of test "WBC" is not one its profile lists in device_units ["10*3/uL", "10E3/uL"]:'
        ' if "1" is 10*9/L on this device, set [mapping."WBC"] device_units = ["10*3/uL", "10E3/uL", "1"]'
        " in the profile; no patient link]" in result_line(wbc)
    )
    status = DeviceStatus("pentra", "astm", "pty", results=len(delivered))
    status.held_results = len(delivered)
    status.held.update(kind for r in delivered for kind in r.hold_kinds)
    line = status_line(status)
    assert f"(0 for triage, {len(delivered)} held: " in line
    assert f"{len(delivered) - status.held['ignored']} device time wrong" in line
    units = status.held["unexpected_unit"]
    assert f"{units} unit not in the profile" in line and units >= 2
    assert "code not mapped" not in line  # the profile maps WBC, PLT...: the unit is the problem

"""Checklist item 30 through the live gateway, for every switch the real captures fire: "every
quirk switch that fires is counted in the metrics and shown in the session log". The gateway's
test of it used one made-up frame with a lowercase checksum (and one decimal comma); here each real
capture's own bytes - its frame trailers, repeated frame numbers, CR ETB record ends, empty
result statuses, Mindray's MSH-16 - go through a real pty (ASTM) or loopback TCP (HL7) to the
gateway with a wire log, and each device's counts must be what `triage devices replay` counts for
the same bytes (the golden files), every firing a line in the session's wire log."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from devices.codecs.astm_frame import ACK, ENQ, NAK, build_frame
from devices.link_drivers import endpoint_from_profile
from devices.profile import PROFILE_DIR, load_profile
from devices.session import MonotonicClock
from devices.simulated_results import astm_records, simulator_profile
from devices.tolerance import SWITCHES, wire_note
from devices.transports.link import SerialSpec, TcpListenSpec
from devices.transports.pty import open_pty
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import SAMPLE, expect_bytes, pty_analyzer, send_message

TRACES = Path(__file__).resolve().parents[1] / "traces" / "data"
GOLDEN = Path(__file__).resolve().parents[1] / "traces" / "golden"


def _golden(name: str) -> dict[str, object]:
    return json.loads((GOLDEN / f"{name}.json").read_text())  # type: ignore[no-any-return]


#: The captures of link frames (STX ...) whose replay fires a switch: played as a device sends them.
FRAMED = sorted(
    p.stem
    for p in TRACES.glob("*.astm")
    if p.read_bytes().startswith(b"\x02")
    and (GOLDEN / f"{p.stem}.json").exists()
    and _golden(p.stem)["tolerance"]
)


def _fired(wire_dir: Path, device: str) -> Counter[str]:
    """Each switch's (or accepted quirk's) firings, by its line in the session's wire log."""
    lines = [line for f in (wire_dir / device).glob("*.wire.log") for line in f.read_text().splitlines()]
    said = {f" -- {wire_note(switch)}": switch for switch in SWITCHES}
    return Counter(said[note] for line in lines for note in said if line.endswith(note))


@pytest.mark.parametrize("name", FRAMED)
def test_each_switch_a_real_astm_capture_fires_is_counted_and_in_the_session_log(
    name: str, tmp_path: Path
) -> None:
    golden = _golden(name)
    profile = load_profile(PROFILE_DIR / f"{golden['profile']}.toml")
    wire_dir = tmp_path / "wire"
    clock = MonotonicClock()

    async def scenario() -> Counter[str]:
        pty = open_pty()
        endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
        async with running_gateway(
            [endpoint], tmp_path / "clinic.db", clock=clock, wire_log_dir=wire_dir
        ) as gw:
            await asyncio.wait_for(gw.wait_open(profile.device_id), 5)
            await pty.write(b"\x05" + (TRACES / f"{name}.astm").read_bytes() + b"\x04")
            await wait_until(lambda: gw.status()[0].messages == golden["messages"], 20)
            await pty.close()
            return Counter(gw.status()[0].tolerance_counts)

    counted = asyncio.run(scenario())
    assert counted == golden["tolerance"], name
    assert _fired(wire_dir, profile.device_id) == golden["tolerance"], name


def test_the_mindray_switch_a_real_hl7_capture_fires_is_counted_and_in_the_session_log(
    tmp_path: Path,
) -> None:
    golden = _golden("mindray-bs380")
    profile = load_profile(PROFILE_DIR / "mindray-bs380.toml")
    wire_dir = tmp_path / "wire"
    clock = MonotonicClock()

    async def scenario() -> Counter[str]:
        endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
        async with running_gateway(
            [endpoint], tmp_path / "clinic.db", clock=clock, wire_log_dir=wire_dir
        ) as gw:
            _reader, writer = await asyncio.open_connection(*gw.listen_address(profile.device_id))
            writer.write((TRACES / "mindray-bs380.hl7").read_bytes())
            await writer.drain()
            await wait_until(lambda: gw.status()[0].messages == golden["messages"], 20)
            writer.close()
            return Counter(gw.status()[0].tolerance_counts)

    counted = asyncio.run(scenario())
    assert counted == golden["tolerance"]
    assert _fired(wire_dir, profile.device_id) == golden["tolerance"]


def test_final_frames_without_the_records_cr_are_naked_unless_the_switch_is_on_then_counted_and_logged(
    tmp_path: Path,
) -> None:
    """The one switch no capture fires and no test touched: no_cr_before_etx (a final frame whose
    text does not end with the record's CR). Strict: the frame is answered NAK, and the warning's
    reason names the switch; with it: every frame accepted, the message stored, each firing
    counted and in the session log. A real pty, SYNTHETIC results."""
    frames = [build_frame(n + 1, record, True) for n, record in enumerate(astm_records(SAMPLE))]
    strict_pty, clock, endpoint, db_path = pty_analyzer(tmp_path)

    async def strict() -> str | None:
        async with running_gateway([endpoint], db_path, clock=clock) as gw:
            await strict_pty.write(ENQ)
            await expect_bytes(strict_pty, ACK)
            await strict_pty.write(frames[0])
            await expect_bytes(strict_pty, NAK)
            await strict_pty.close()
            return gw.status()[0].last_error

    said = asyncio.run(strict())
    assert said is not None and "profile switch no_cr_before_etx accepts" in said, said
    base = simulator_profile("astm-analyzer", "analyzer")
    lenient = base.model_copy(
        update={"tolerance": base.tolerance.model_copy(update={"no_cr_before_etx": True})}
    )
    pty, clock, endpoint, _ = pty_analyzer(tmp_path, lenient)
    wire_dir = tmp_path / "wire"

    async def switched() -> Counter[str]:
        async with running_gateway(
            [endpoint], tmp_path / "lenient.db", clock=clock, wire_log_dir=wire_dir
        ) as gw:
            await send_message(pty, frames)
            await wait_until(lambda: count(tmp_path / "lenient.db", "device_results") == 2)
            await pty.close()
            return Counter(gw.status()[0].tolerance_counts)

    assert asyncio.run(switched()) == {"no_cr_before_etx": len(frames)}
    assert _fired(wire_dir, "analyzer") == {"no_cr_before_etx": len(frames)}


@pytest.mark.parametrize("switched", [False, True], ids=["strict", "missing_l_record"])
def test_a_message_ended_by_eot_without_its_l_record_is_held_unless_the_switch_says_so(
    switched: bool, tmp_path: Path
) -> None:
    """missing_l_record had no gateway test: a device that sends no L record ends its message with
    EOT. Strict, its results are stored preliminary (incomplete_message) and held; with the switch
    they are final, the firing counted and in the session log. A real pty, SYNTHETIC results."""
    base = simulator_profile("astm-analyzer", "analyzer")
    profile = base.model_copy(
        update={"tolerance": base.tolerance.model_copy(update={"missing_l_record": switched})}
    )
    frames = [build_frame(n + 1, r + b"\r", True) for n, r in enumerate(astm_records(SAMPLE)[:-1])]
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path, profile)
    wire_dir = tmp_path / "wire"

    async def scenario() -> Counter[str]:
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire_dir) as gw:
            await send_message(pty, frames)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()
            return Counter(gw.status()[0].tolerance_counts)

    fired = asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        statuses = {status for (status,) in conn.execute("SELECT status FROM device_results")}
    assert statuses == ({"final"} if switched else {"preliminary"})
    assert fired == _fired(wire_dir, "analyzer") == ({"missing_l_record": 1} if switched else {})

"""A device left in training or debugging mode, over a real pty (ASTM) and loopback TCP (HL7):
its header says so - ASTM H.12 ``T``/``D``, HL7 MSH-11 ``T``/``D`` - and its results were fed to
triage as the named patient's. They are stored, flagged with why, and held like QC: never fed to
a decision. The same message in production (``P``) is fed as before."""

from __future__ import annotations

import asyncio
from pathlib import Path

from devices.codecs.astm_frame import build_frame
from devices.gateway import GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import astm_records, hl7_message, sample_from_values, simulator_profile
from devices.transports.link import SerialSpec, TcpListenSpec
from devices.transports.pty import open_pty
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import send_message
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, msa_fields, read_acks

CLOCK = MonotonicClock()


def _held(delivered: list[GatewayResult]) -> dict[str, tuple[bool, str | None, bool, list[str]]]:
    """By sample id: (fed to triage, hold reason, QC, flags but the device's own) of each result."""
    ours = ("training_message", "debugging_message")
    return {
        r.stored.sample_id: (
            r.auto_feed,
            r.hold_reason,
            r.stored.is_qc,
            [f for f in (r.stored.flags or "").split(",") if f in ours],
        )
        for r in delivered
    }


def test_hl7_training_and_debugging_messages_are_stored_as_qc_and_never_fed(tmp_path: Path) -> None:
    endpoint = endpoint_from_profile(
        simulator_profile("hl7-monitor", "monitor"), clock=CLOCK, transport=TcpListenSpec(port=0)
    )
    delivered: list[GatewayResult] = []

    def message(sample_id: str, processing: str) -> bytes:
        sample = sample_from_values("hl7-monitor", "SIM-P4", sample_id, {"spo2": 86})
        raw = hl7_message(sample, control_id=f"CTL-{sample_id}")
        return VT + raw.replace(b"|P|2.3.1|", f"|{processing}|2.3.1|".encode(), 1) + FS_CR

    async def scenario() -> list[bytes]:
        async with running_gateway([endpoint], tmp_path / "clinic.db", delivered=delivered) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(message("S-T", "T") + message("S-D", "D^A") + message("S-P", "P"))
            await writer.drain()
            acks = await read_acks(reader, 3)
            await wait_until(lambda: len(delivered) == 3)
            writer.close()
            return acks

    acks = asyncio.run(scenario())
    assert [msa_fields(a)[1:3] for a in acks] == [["AA", "CTL-S-T"], ["AA", "CTL-S-D"], ["AA", "CTL-S-P"]]
    held = _held(delivered)
    assert held["S-T"] == (False, "training message (processing ID T)", True, ["training_message"])
    assert held["S-D"] == (False, "debugging message (processing ID D)", True, ["debugging_message"])
    assert held["S-P"] == (True, None, False, [])


def test_an_astm_training_message_is_stored_as_qc_and_never_fed(tmp_path: Path) -> None:
    pty = open_pty()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"), clock=CLOCK, transport=SerialSpec(url=pty.slave_path)
    )
    delivered: list[GatewayResult] = []

    def frames(sample_id: str, processing: str) -> list[bytes]:
        sample = sample_from_values("astm-analyzer", "SIM-P5", sample_id, {"glucose_random": 21.0})
        records = astm_records(sample)
        header = records[0].split(b"|")
        header[11] = processing.encode()  # H.12, the processing ID
        records[0] = b"|".join(header)
        return [build_frame(n + 1, r + b"\r", True) for n, r in enumerate(records)]

    async def scenario() -> None:
        async with running_gateway([endpoint], tmp_path / "clinic.db", delivered=delivered):
            await send_message(pty, frames("S-T", "T"))
            await send_message(pty, frames("S-P", "P"))
            await wait_until(lambda: len(delivered) == 2)
            await pty.close()

    asyncio.run(scenario())
    held = _held(delivered)
    assert held["S-T"] == (False, "training message (processing ID T)", True, ["training_message"])
    assert held["S-P"] == (True, None, False, [])

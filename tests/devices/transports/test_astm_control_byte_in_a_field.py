"""A result value with a NUL in it (``5.<NUL>3``), over a real pty to the real gateway and SQLite
log, from an analyzer whose profile reads latin-1: latin-1 decodes every byte, so the value was
taken as text and the message stored as if nothing were wrong. E1394 allows no such control
character in a record: the message is now stored quarantined (``undecodable_bytes``, naming the
byte and ``R.4 of R record 1``), acknowledged as every stored message is (the device does not send
it again for ever), counted, and no result reaches triage; the next message is stored as usual.
SYNTHETIC patients (the bundled simulator profile)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from devices.codecs.astm_frame import build_frame
from devices.gateway import GatewayResult
from devices.simulated_results import astm_records, sample_from_values
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import pty_analyzer, send_message


def _frames(patient_id: str, value: bytes) -> list[bytes]:
    sample = sample_from_values("astm-analyzer", patient_id, f"S-{patient_id}", {"glucose_random": 5.0})
    records = [r.replace(b"|5.0|", b"|" + value + b"|") for r in astm_records(sample)]
    return [build_frame(n % 8, r + b"\r", True) for n, r in enumerate(records, start=1)]


def test_a_nul_in_a_value_is_quarantined_naming_the_byte_and_the_next_message_is_stored(
    tmp_path: Path,
) -> None:
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)  # the simulator profile: latin-1
    delivered: list[GatewayResult] = []

    async def scenario() -> tuple[int, int]:
        async with running_gateway([endpoint], db_path, clock=clock, delivered=delivered) as gateway:
            await send_message(pty, _frames("SIM-P1", b"5.\x003"))  # every frame acknowledged
            await send_message(pty, _frames("SIM-P2", b"6.1"))
            await wait_until(lambda: gateway.status()[0].messages == 2 and len(delivered) == 1)
            await pty.close()
            status = gateway.status()[0]
            return status.results, status.quarantined

    results, quarantined = asyncio.run(scenario())
    assert (results, quarantined) == (1, 1)
    assert [(r.stored.patient_id, r.stored.value) for r in delivered] == [("SIM-P2", "6.1")]
    with sqlite3.connect(db_path) as conn:
        (reason,) = [str(r) for (r,) in conn.execute("SELECT reason FROM device_quarantine")]
        stored = conn.execute("SELECT patient_id, value FROM device_results").fetchall()
    assert stored == [("SIM-P2", "6.1")]
    assert reason.startswith("undecodable_bytes"), reason
    assert (
        "(R.4 of R record 1): byte 0x00 is not valid in ASTM text: E1394 allows no control character"
        in reason
    )

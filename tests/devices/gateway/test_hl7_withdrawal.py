"""HL7 OBX-11 ``W`` is "post original as wrong, e.g. transmitted for wrong patient" (HL7 v2.5 table
0085): it withdraws the stored result it names. It was read as "preliminary", so with the key of
the stored final result it was taken for a resend and dropped without a word - the wrong
patient's SpO2 stayed a final result for triage - and with another key it was one more result.
Now the stored row is marked ``withdrawn`` (the version it withdrew kept in ``details["replaced"]``,
audited, handed over again held, kind ``withdrawn``), and listen's counts say so.

A live gateway over a loopback TCP socket, a real SQLite log (SYNTHETIC patient ids).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.endpoint import DeviceEndpoint
from devices.gateway import DeviceStatus, Gateway, GatewayResult
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, _endpoint, msa_fields, read_acks
from triage.cli import main
from triage.cli.devices_result_lines import status_line

NOW = datetime.now(UTC).strftime("%Y%m%d%H%M%S+0000")


def _oru(control: str, status: str, *, time: str = NOW, value: str = "88", unit: str = "%") -> bytes:
    """One SpO2 of sample SIM-S1 for the SYNTHETIC patient SIM-P1 with OBX-11 ``status``."""
    segments = [
        f"MSH|^~\\&|MONITOR|WARD|||{NOW}||ORU^R01|{control}|P|2.5",
        "PID|1||SIM-P1",
        "OBR|1|SIM-S1",
        f"OBX|1|NM|SPO2||{value}|{unit}|||||{status}|||{time}",
    ]
    return VT + ("\r".join(segments) + "\r").encode() + FS_CR


def _send(
    messages: list[bytes],
    db_path: Path,
    delivered: list[GatewayResult],
    handed_over: int,
    endpoint: DeviceEndpoint | None = None,
) -> DeviceStatus:
    """Send ``messages`` one by one (each acknowledged), until ``handed_over`` results were
    delivered, to the simulated HL7 monitor's endpoint or ``endpoint``."""
    device = endpoint or _endpoint("hl7-monitor")

    async def scenario() -> DeviceStatus:
        async with running_gateway([device], db_path, delivered=delivered) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address(device.device_id))
            for n, message in enumerate(messages, 1):
                writer.write(message)
                await writer.drain()
                (ack,) = await read_acks(reader, 1)
                assert msa_fields(ack)[1] in ("AA", "CA"), ack
                await wait_until(lambda n=n: gateway.status()[0].messages == n)
            await wait_until(lambda: len(delivered) >= handed_over)
            writer.close()
            return gateway.status()[0]

    return asyncio.run(scenario())


def _rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute(sql))


@pytest.mark.parametrize("code", ["W", "D"])
def test_a_result_posted_as_wrong_withdraws_the_stored_one_visibly(code: str, tmp_path: Path) -> None:
    """D, "deletes the OBX record", was read as cannot_be_done (X's meaning) and dropped as a resend."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    status = _send([_oru("CTL-1", "F"), _oru("CTL-2", code), _oru("CTL-3", code)], db_path, delivered, 2)

    ((result_id, row_status, value, details),) = _rows(
        db_path, "SELECT id, status, value, details FROM device_results"
    )
    assert (row_status, value) == ("withdrawn", "88"), "marked withdrawn, one row: not one more result"
    (earlier,) = json.loads(str(details))["replaced"]
    assert (earlier["value"], earlier["status"]) == ("88", "final"), "the version it withdrew is kept"
    (entry,) = _rows(db_path, "SELECT reason, data FROM audit WHERE action = 'device_result.replaced'")
    assert str(entry[0]).startswith("device withdrew the result (HL7 W, posted as wrong")
    assert json.loads(str(entry[1]))["to"]["status"] == "withdrawn"

    first, second = delivered  # the third message (the W again) is a resend: nothing handed over
    assert first.auto_feed and first.result_id == second.result_id == result_id
    assert (second.auto_feed, second.hold_kind) == (False, "withdrawn")
    assert second.hold_reason == (
        "the device withdrew the result (HL7 status W, posted as wrong - e.g. sent for the wrong patient -, or"
        ' D, deleted): the "final"'
        ' result "88 %" of test "SPO2" it replaces is withdrawn, never used again (kept as sent)'
    )
    assert (status.results, status.replaced, status.duplicates) == (1, 1, 1)
    line = status_line(status)
    assert "3 messages; 1 new result stored (0 for triage, 1 held: 1 withdrawn by the device); " in line, line


def test_a_result_posted_as_wrong_that_names_no_stored_one_is_held_saying_so(tmp_path: Path) -> None:
    """A W whose key matches nothing stored (another result time) withdraws nothing: it is stored
    held, never for triage, and says that nothing was there to withdraw."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    other_time = "20260101080000+0000"
    _send([_oru("CTL-1", "F"), _oru("CTL-2", "W", time=other_time)], db_path, delivered, 2)
    assert [r[0] for r in _rows(db_path, "SELECT status FROM device_results ORDER BY id")] == [
        "final",
        "withdrawn",
    ]
    assert delivered[1].hold_kind == "withdrawn" and not delivered[1].auto_feed
    assert (
        'but no result of sample "SIM-S1" test "SPO2" at 2026-01-01T08:00:00+00:00 was stored to withdraw'
        in str(delivered[1].hold_reason)
    )


def test_a_final_result_after_a_withdrawal_is_stored_again(tmp_path: Path) -> None:
    """After a withdrawal the device may send the result again (for the right patient, with the same
    sample and time): it replaces the withdrawn row, not a resend dropped."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "F"), _oru("CTL-2", "W"), _oru("CTL-3", "F", value="97")], db_path, delivered, 3)
    assert _rows(db_path, "SELECT status, value FROM device_results") == [("final", "97")]
    assert [r.auto_feed for r in delivered] == [True, False, True]


def test_replay_counts_a_withdrawal_as_not_for_triage_as_the_gateway_holds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A capture holding the result and its W: replay said the W was 'for review' (invalid: triage
    has no status "withdrawn"); the gateway holds it withdrawn, never for triage or review."""
    capture = tmp_path / "monitor.hl7"
    capture.write_bytes(_oru("CTL-1", "F") + _oru("CTL-2", "W"))
    profile = tmp_path / "monitor.toml"
    profile.write_text(
        'device_id = "monitor"\nprotocol = "hl7"\ntimezone = "UTC"\n\n[mapping."SPO2"]\ncode = "spo2"\nunit = "%"\n'
    )
    assert main(["devices", "replay", str(capture), "--profile", str(profile), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    # the final result it withdraws is replaced: no observation (the gateway keeps the W alone)
    assert document["observations"] == [] and document["quarantined"] == []
    assert [r["byte_offset"] < r["by_byte_offset"] for r in document["replaced"]] == [True]
    # withdrawn alone, as listen counts it ('1 held: 1 withdrawn'), not also not final
    assert document["not_for_triage"] == {"withdrawn": 1}
    assert document["held"] == {"withdrawn": 1}


def test_a_batch_handed_over_again_brings_the_version_in_force_not_the_withdrawn_one(tmp_path: Path) -> None:
    """A batch the subscriber failed on is handed over again later - it brought the versions it
    held then: the final SpO2 came again after the batch of its withdrawal, and the service would
    have used the wrong patient's reading. The subscriber here fails on a final SpO2 until it has
    seen the withdrawal, so the order does not depend on timing."""
    db_path = tmp_path / "clinic.db"
    seen: list[tuple[int, str]] = []

    def subscriber(results: list[GatewayResult]) -> None:
        if any(r.stored.status == "final" for r in results) and ("withdrawn" not in {s for _, s in seen}):
            raise RuntimeError("the service is busy")
        seen.extend((r.result_id, r.stored.status) for r in results)

    async def scenario() -> None:
        gateway = Gateway([_endpoint("hl7-monitor")], db_path, on_results=subscriber, delivery_retry_s=0.05)
        task = asyncio.create_task(gateway.run())
        await gateway.wait_ready()
        try:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            for message in (_oru("CTL-1", "F"), _oru("CTL-2", "W")):
                writer.write(message)
                await writer.drain()
                await read_acks(reader, 1)
            await wait_until(lambda: len(seen) == 2)  # the withdrawal, then the batch handed over again
            writer.close()
        finally:
            gateway.stop()
            await asyncio.wait_for(task, 10)

    asyncio.run(scenario())
    assert [status for _, status in seen] == ["withdrawn", "withdrawn"], seen


def test_a_value_sent_as_quoted_empty_deletes_the_stored_one_visibly(tmp_path: Path) -> None:
    """``""`` for a value means "delete the stored value" (LIS2-A2 5.4.9; HL7's null likewise): sent
    again with the stored final result's key, it was dropped as a resend and the value stayed for
    triage. It now withdraws that result as a W does, and says it was deleted."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "F"), _oru("CTL-2", "F", value='""')], db_path, delivered, 2)
    ((row_status, details),) = _rows(db_path, "SELECT status, details FROM device_results")
    assert row_status == "withdrawn"
    assert [v["value"] for v in json.loads(str(details))["replaced"]] == ["88"]
    assert (delivered[1].auto_feed, delivered[1].hold_kind) == (False, "withdrawn")
    assert str(delivered[1].hold_reason).startswith(
        'the device sent "" for the value: delete the stored value: the "final" result "88 %" of test "SPO2"'
    )

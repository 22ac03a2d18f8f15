"""A final copy that replaces an aborted transfer's preliminary copy is not a new result: a fault
run's `listen` said "166 new results stored" for 150 rows, each replaced copy counted again. Over a
real pty: a message whose L record never came (EOT after its R records: stored preliminary,
flag incomplete_message), then the whole message - the same rows, replaced, counted apart. And the
held counts follow the replacement: listen said "(0 for triage, 2 held: 2 not final)" of the two
final results it had handed to triage."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from devices import gateway_status
from devices.gateway import DeviceStatus, GatewayResult
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import pty_analyzer, sample_frames, send_message
from triage.cli.devices_result_lines import status_line


def test_a_final_copy_replacing_an_aborted_transfer_is_counted_as_replaced_not_new(tmp_path: Path) -> None:
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()  # H, P, O, R, R, L: one record a frame
    delivered: list[GatewayResult] = []

    async def scenario() -> DeviceStatus:
        async with running_gateway([endpoint], db_path, clock=clock, delivered=delivered) as gateway:
            await send_message(pty, frames[:-1])  # the L record never sent: EOT ends it
            await wait_until(lambda: gateway.status()[0].messages == 1)
            assert (gateway.status()[0].results, gateway.status()[0].replaced) == (2, 0)
            await send_message(pty, frames)  # the device sends the whole message again
            await wait_until(lambda: gateway.status()[0].messages == 2)
            await wait_until(lambda: len(delivered) == 4)
            await pty.close()
            return gateway.status()[0]

    status = asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        statuses = [row[0] for row in conn.execute("SELECT status FROM device_results ORDER BY id")]
    assert statuses == ["final", "final"] and count(db_path, "device_results") == 2
    assert (status.results, status.replaced, status.duplicates) == (2, 2, 0)
    # both versions were handed to triage: the preliminary held, the final for triage
    assert [r.auto_feed for r in delivered] == [False, False, True, True]
    # the held counts are of each result's version in force: the final copies are for triage
    assert (status.held_results, dict(status.held)) == (0, {})
    line = status_line(status)
    assert "2 messages; 2 new results stored (2 for triage, 0 held); " in line, line
    assert "2 stored results replaced by a final or corrected version or withdrawn; 0 duplicate" in line, line


def test_a_device_status_keeps_the_holds_of_its_latest_results_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hold kinds kept per result (so that a replacement moves it between the counts) grew by
    one entry per result for as long as the gateway ran - months inside the service. The oldest are
    let go past HOLDS_KEPT; a replacement of one of those is counted as replaced only."""
    monkeypatch.setattr(gateway_status, "HOLDS_KEPT", 2)
    status = DeviceStatus("analyzer", "astm", "pty")
    for result_id in (1, 2, 3):
        status.count_stored(result_id, ["not_final"], replaced=False)
    assert sorted(status.holds_of) == [2, 3]
    status.count_stored(1, [], replaced=True)  # its kinds let go: still counted held, as stored
    status.count_stored(3, [], replaced=True)  # kept: for triage now
    assert (status.results, status.replaced, status.held_results, dict(status.held)) == (
        3,
        2,
        2,
        {"not_final": 2},
    )

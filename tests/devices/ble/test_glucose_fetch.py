"""The glucose meter's RACP record fetch (checklist item 26): the sans-IO conversation, and the
real gateway (real SQLite file) driving scripted meters through the BLE link - first fetch of all
records, later fetches from the last stored sequence number (also after a gateway restart), a
meter that ignores the filter or resends, a reconnect in the middle of a transfer, a memory clear
that restarts the numbering, RACP error codes, "procedure already in progress", a meter without
the context characteristic, and silence (timeout).

The meters are :class:`tests.devices.ble.meter.ScriptedMeter`, a stand-in for ``bleak``'s client:
there is no Bluetooth controller on the test machines (see that module)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.codecs import racp
from devices.codecs.gatt_lines import DISCONNECT, subscribe_command, value_line, write_command
from devices.gateway import DeviceStatus, GatewayResult
from devices.glucose_fetch import GlucoseFetchDriver
from devices.link_drivers import endpoint_from_profile
from devices.profile import DeviceProfile, load_profile
from devices.session import MonotonicClock, Received, Refused, Send
from devices.transports.ble import open_ble
from devices.transports.link import BleSpec, TcpListenSpec
from tests.devices.ble.meter import ScriptedMeter, StoredRecord, measurement, record, response_code
from tests.devices.gateway.harness import running_gateway, wait_until
from triage.cli.devices_result_lines import status_line

PROFILE = load_profile("ble-glucose_meter")


def meter_now(minutes_ago: float = 10) -> datetime:
    """The meter's clock (local time of the profile's zone, no zone) ``minutes_ago``."""
    return datetime.now(ZoneInfo(PROFILE.timezone)).replace(tzinfo=None, microsecond=0) - timedelta(
        minutes=minutes_ago
    )


def _records(*seqs: int, minutes_ago: float = 10) -> list[StoredRecord]:
    """Readings taken ``minutes_ago`` (one second apart): within the profile's max_record_age."""
    base = meter_now(minutes_ago)
    return [record(s, meal=3 if s == 1 else None, when=base + timedelta(seconds=s)) for s in seqs]


async def _fetch(
    db: Path,
    meter: ScriptedMeter,
    profile: DeviceProfile = PROFILE,
    delivered: list[GatewayResult] | None = None,
) -> DeviceStatus:
    """One connection of the meter to a freshly started gateway (a restart each time)."""
    endpoint = endpoint_from_profile(profile, clock=MonotonicClock(), transport=TcpListenSpec(port=0))
    sink: list[GatewayResult] = delivered if delivered is not None else []
    async with running_gateway([endpoint], db, delivered=sink) as gateway:
        link = await open_ble(BleSpec(name="Glucose Meter"), make_client=meter.client)
        await asyncio.wait_for(gateway.serve_link(endpoint.device_id, link), 10)
        await link.close()
        status = gateway.status()[0]
        await wait_until(lambda: len(sink) >= status.results)
    return status


def fetch(db: Path, meter: ScriptedMeter, **kw: object) -> DeviceStatus:
    return asyncio.run(_fetch(db, meter, **kw))  # type: ignore[arg-type]


def stored(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT sample_id, code FROM device_results ORDER BY id").fetchall()
    return [(str(a), str(b)) for a, b in rows]


# ----------------------------------------------------------------- sans-IO conversation


def _started(last: int | None) -> tuple[GlucoseFetchDriver, list[object]]:
    driver = GlucoseFetchDriver(PROFILE, last_sequence=last)
    assert driver.next_deadline() == 0.0  # due as soon as the link is up
    return driver, list(driver.poll(100.0))


def test_on_connect_it_subscribes_then_asks_for_all_records_or_those_after_the_last_stored() -> None:
    _, events = _started(None)
    assert events == [
        Send(subscribe_command("2a18")),
        Send(subscribe_command("2a34")),
        Send(subscribe_command("2a52")),
        Send(write_command("2a52", racp.all_records())),
    ]
    _, events = _started(41)
    assert events[-1] == Send(write_command("2a52", b"\x01\x03\x01\x2a\x00"))
    _, events = _started(0xFFFF)  # wrapped: records from 0, i.e. all
    assert events[-1] == Send(write_command("2a52", b"\x01\x03\x01\x00\x00"))


def test_silence_past_the_response_timeout_stores_what_came_and_ends_clearly() -> None:
    driver, _ = _started(None)
    got = driver.feed(value_line("2a18", measurement(1, context=True)), 101.0)
    assert got == []  # waits for the context of sequence 1
    assert driver.poll(101.0 + PROFILE.ble.response_timeout - 1) == []  # type: ignore[union-attr]
    events = driver.poll(101.0 + PROFILE.ble.response_timeout)  # type: ignore[union-attr]
    assert isinstance(events[0], Received)  # the measurement, stored without its context
    assert isinstance(events[1], Refused) and "no RACP response within 30 s" in events[1].note
    assert events[1].what == "RACP report stored records, all records"
    assert events[2] == Send(DISCONNECT) and driver.finished and driver.next_deadline() is None


def test_error_response_codes_end_the_fetch_with_the_reason() -> None:
    for code, text in [
        (racp.NOT_COMPLETED, "procedure not completed"),
        (racp.OP_CODE_NOT_SUPPORTED, "op code"),
    ]:
        driver, _ = _started(None)
        events = driver.feed(value_line("2a52", response_code(racp.REPORT_RECORDS, code)), 101.0)
        assert isinstance(events[0], Refused) and text in events[0].note
        assert events[-1] == Send(DISCONNECT)


def test_an_unreadable_racp_response_is_quarantined_not_a_crash() -> None:
    driver, _ = _started(None)
    (junk,) = driver.feed(b"2a52 0601\n", 101.0)
    assert "unreadable RACP response" in junk.reason  # type: ignore[union-attr]
    assert not driver.finished


# ----------------------------------------------------------------- through the gateway


def test_first_fetch_stores_every_record_once_pairs_contexts_and_feeds_triage(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    meter = ScriptedMeter(_records(1, 2, 3))
    delivered: list[GatewayResult] = []
    status = fetch(db, meter, delivered=delivered)
    assert meter.subscribed == ["2a18", "2a34", "2a52"] and meter.requests == [racp.all_records()]
    assert stored(db) == [
        ("seq 1", "glucose_fasting"),
        ("seq 2", "glucose_random"),
        ("seq 3", "glucose_random"),
    ]
    assert (status.results, status.duplicates, status.quarantined) == (3, 0, 0)
    assert not meter.connected  # the gateway disconnected after "success"
    assert [r.stored.sample_id for r in delivered] == ["seq 1", "seq 2", "seq 3"]
    assert {r.hold_reason for r in delivered} == {"no patient link"}  # attach the meter to link one


def test_later_fetches_ask_from_the_last_stored_sequence_even_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    meter = ScriptedMeter(_records(1, 2, 3))
    fetch(db, meter)
    meter.records += _records(4, 5)
    meter.requests.clear()
    status = fetch(db, meter)  # a new Gateway on the same file: a restart
    assert meter.requests == [racp.records_from(4)]
    assert (status.results, status.duplicates) == (2, 0)
    meter.requests.clear()
    status = fetch(db, meter)  # nothing new: "no records found", then the last-record probe
    assert meter.requests == [racp.records_from(6), racp.last_record()]
    assert (status.results, status.duplicates) == (0, 0)
    assert [s for s, _ in stored(db)] == [f"seq {n}" for n in range(1, 6)]


def test_an_unreadable_newest_record_is_quarantined_once_not_fetched_at_every_connection(
    tmp_path: Path,
) -> None:
    db = tmp_path / "clinic.db"
    meter = ScriptedMeter([*_records(1, 2), StoredRecord(3, b"\x00\x03\x00\x01")])  # seq 3 cut short
    status = fetch(db, meter)
    assert (status.results, status.quarantined) == (2, 1)
    meter.records += _records(4)
    meter.requests.clear()
    status = fetch(db, meter)  # a restart: asks after the quarantined record, not after seq 2
    assert meter.requests == [racp.records_from(4)]
    assert (status.results, status.quarantined) == (1, 0)
    meter.requests.clear()
    status = fetch(db, meter)
    assert meter.requests == [racp.records_from(5), racp.last_record()]
    assert (status.results, status.quarantined) == (0, 0)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM device_quarantine").fetchone()[0] == 1
    assert [s for s, _ in stored(db)] == ["seq 1", "seq 2", "seq 4"]


def test_a_meter_that_ignores_the_filter_or_resends_is_stored_once(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    records = _records(1, 2, 3)  # once: the same readings keep the same times in both fetches
    fetch(db, ScriptedMeter(records[:2]))
    meter = ScriptedMeter([*records, records[2]], ignore_filter=True)  # and resends seq 3
    status = fetch(db, meter)
    assert meter.requests == [racp.records_from(3)]
    assert (status.results, status.duplicates) == (1, 3)
    assert [s for s, _ in stored(db)] == ["seq 1", "seq 2", "seq 3"]
    assert "3 duplicate results not stored again" in status_line(status)


def test_a_reconnect_in_the_middle_of_a_transfer_loses_and_repeats_nothing(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    meter = ScriptedMeter(_records(1, 2, 3, 4, 5), disconnect_after=2)
    first = fetch(db, meter)
    assert first.results == 2 and "disconnected" in (first.last_error or "")
    meter.disconnect_after = None
    second = fetch(db, meter)
    assert meter.requests[-1] == racp.records_from(3)
    assert (second.results, second.duplicates) == (3, 0)
    assert [s for s, _ in stored(db)] == [f"seq {n}" for n in range(1, 6)]


def test_a_memory_clear_that_restarts_the_numbering_is_followed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "clinic.db"
    fetch(db, ScriptedMeter(_records(1, 2, 3, 4)))
    meter = ScriptedMeter(_records(1, 2, minutes_ago=2))  # cleared, then two new readings (new times)
    with caplog.at_level(logging.INFO, logger="devices.glucose_fetch"):
        status = fetch(db, meter)
    assert "newest record is sequence 2, below the last stored 4: its numbering restarted" in caplog.text
    assert meter.requests == [racp.records_from(5), racp.last_record(), racp.all_records()]
    assert (status.results, status.duplicates) == (2, 0)
    assert [s for s, _ in stored(db)][-2:] == ["seq 1", "seq 2"]
    meter.records += _records(3, minutes_ago=2)
    meter.requests.clear()
    assert fetch(db, meter).results == 1 and meter.requests == [racp.records_from(3)]


def test_a_meter_that_cannot_filter_is_asked_for_all_records(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    records = _records(1, 2)  # once: seq 1 keeps its time in both fetches
    fetch(db, ScriptedMeter(records[:1]))
    meter = ScriptedMeter(records, unsupported=frozenset({racp.GREATER_OR_EQUAL}))
    status = fetch(db, meter)
    assert meter.requests == [racp.records_from(2), racp.all_records()]
    assert (status.results, status.duplicates) == (1, 1)


def test_procedure_already_in_progress_aborts_and_asks_once_more(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    meter = ScriptedMeter(_records(1, 2), in_progress_once=True)
    status = fetch(db, meter)
    assert meter.requests == [racp.all_records(), racp.abort(), racp.all_records()]
    assert status.results == 2 and not status.refused_by_device


def test_a_refusing_or_silent_meter_is_counted_and_disconnected(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    status = fetch(db, ScriptedMeter(_records(1), refuse_with=racp.NOT_COMPLETED))
    assert dict(status.refused_by_device) == {"RACP report stored records, all records": 1}
    assert "1 request refused by the device (1 RACP report stored records, all records)" in status_line(
        status
    )
    quick = PROFILE.model_copy(update={"ble": PROFILE.ble.model_copy(update={"response_timeout": 0.2})})  # type: ignore[union-attr]
    status = fetch(db, ScriptedMeter(_records(1), silent=True), profile=quick)
    assert sum(status.refused_by_device.values()) == 1 and stored(db) == []


def test_a_meter_without_the_context_characteristic_still_delivers_its_records(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    meter = ScriptedMeter(_records(1, 2), no_context=True)
    status = fetch(db, meter)
    assert meter.subscribed == ["2a18", "2a52"]
    assert status.results == 2 and not status.refused_by_device
    assert stored(db)[0] == ("seq 1", "glucose_random")  # its fasting context never came


def test_a_record_left_in_the_meter_from_earlier_is_held_not_fed_to_the_attached_patient(
    tmp_path: Path,
) -> None:
    db = tmp_path / "clinic.db"
    old = record(1, when=meter_now(minutes_ago=3 * 60))  # three hours before it reached the gateway
    fresh = record(2, when=meter_now(minutes_ago=1))
    delivered: list[GatewayResult] = []
    fetch(db, ScriptedMeter([old, fresh]), delivered=delivered)
    by_seq = {r.stored.sample_id: r for r in delivered}
    assert by_seq["seq 1"].stored.status == "preliminary" and "old_stored_record" in (
        by_seq["seq 1"].stored.flags or ""
    )
    # every reason it is held for: the meter gives no patient id either (an association would)
    assert by_seq["seq 1"].hold_reason == 'result status "preliminary" is not final; no patient link'
    assert by_seq["seq 1"].hold_kinds == ("not_final", "no_patient")
    assert by_seq["seq 2"].stored.status == "final"

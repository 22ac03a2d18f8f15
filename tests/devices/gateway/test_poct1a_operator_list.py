"""POCT1-A2 operator lists (checklist item 25): after the status (and SET_TIME) the host sends the
clinic's certified operators as OPL.R01, waits for each ACK, closes the topic with EOT.R01 and
then asks for the results; a list goes to a meter once and again only after it changed; a refusal
or silence is counted and never costs a result. The driver alone, then a simulated meter over real
loopback TCP through the gateway and its SQLite file."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices import simulated_poct1a
from devices.codecs.poct1a import Poct1aMessage, build_ack, parse_message
from devices.codecs.poct1a_operators import listed_operators
from devices.gateway import DeviceStatus
from devices.link_drivers import endpoint_from_profile
from devices.operator_delivery import OperatorListDelivery
from devices.poct1a_conversation import Poct1aDriver
from devices.profile import PROFILE_DIR, DeviceProfile
from devices.session import LinkEvent, MonotonicClock, Refused, Send
from devices.simulated_results import generate_samples, simulator_profile
from devices.simulator import FaultPlan, SimulatedDevice, SimulationReport
from devices.transports.link import Link, TcpListenSpec
from devices.transports.tcp import TcpLink
from tests.devices.gateway.harness import result_keys, running_gateway, wait_until

ZONE = ZoneInfo("Asia/Shanghai")
WALL = datetime(2026, 12, 5, 9, 0, tzinfo=ZONE)
SAMPLE = PROFILE_DIR / "poct1a-operators-SYNTHETIC.csv"
HEADER = "operator_id,name,permission_level,expires\n"


def _operators(tmp_path: Path, rows: str = "") -> Path:
    """The SYNTHETIC sample list (3 certified, 1 expired), with ``rows`` added."""
    path = tmp_path / "operators.csv"
    shutil.copyfile(SAMPLE, path)
    if rows:
        with path.open("a", encoding="utf-8") as f:
            f.write(rows)
    return path


def _profile(operators: Path, **poct1a: object) -> DeviceProfile:
    base = simulator_profile("poct1a-meter", "meter")
    settings = base.poct1a.model_copy(update={"operator_list": str(operators), **poct1a})
    return base.model_copy(update={"poct1a": settings})


def _sent(events: list[LinkEvent]) -> list[Poct1aMessage]:
    return [parse_message(e.data) for e in events if isinstance(e, Send)]


def _kinds(messages: list[Poct1aMessage]) -> list[str]:
    return [m.message_type for m in messages]


def _driver(operators: Path, **poct1a: object) -> Poct1aDriver:
    return Poct1aDriver(
        _profile(operators, **poct1a), wall_clock=lambda: WALL, operator_lists=OperatorListDelivery(operators)
    )


# ------------------------------------------------------------------ the driver alone


def test_the_list_follows_status_and_set_time_eot_closes_it_then_the_results_are_requested(
    tmp_path: Path,
) -> None:
    driver = _driver(_operators(tmp_path), set_time=True)
    driver.feed(simulated_poct1a.hello("1"), 0.0)
    first = _sent(driver.feed(simulated_poct1a.status("2", 2), 1.0))
    assert _kinds(first) == ["ACK.R01", "DTV.R01", "OPL.R01"]
    opl = first[2]
    assert [o.operator_id for o in listed_operators(opl)] == [
        "SYN-N001",
        "SYN-N002",
        "SYN-N003",
    ]  # N004 expired
    assert driver.feed(build_ack("3", first[1].control_id), 2.0) == []  # SET_TIME accepted
    (eot,) = _sent(driver.feed(build_ack("4", opl.control_id), 3.0))
    assert (eot.message_type, eot.value("EOT/EOT.topic_cd")) == ("EOT.R01", "OPL")
    assert driver.operator_lists_delivered == 0  # not before the topic is closed
    (request,) = _sent(driver.feed(build_ack("5", eot.control_id), 4.0))
    assert (request.message_type, request.value("REQ/REQ.request_cd")) == ("REQ.R01", "ROBS")
    assert driver.operator_lists_delivered == 1 and driver.meter == "SIM-POCT-0001"
    assert len({m.control_id for m in [*first, eot, request]}) == 5  # the host's ids never repeat


def test_a_long_list_goes_in_pages_within_the_devices_size_each_waiting_for_its_ack(tmp_path: Path) -> None:
    rows = "".join(f"SYN-X{n:03},Operator {n} (SYNTHETIC),1,2099-01-01\n" for n in range(40))
    driver = _driver(_operators(tmp_path, rows))
    hello = simulated_poct1a.hello("1")
    driver.feed(hello.replace(b'<DSC.max_message_sz V="65536"/>', b'<DSC.max_message_sz V="2048"/>'), 0.0)
    assert driver.device_max_message == 2048
    sent = _sent(driver.feed(simulated_poct1a.status("2", 1), 1.0))
    pages: list[Poct1aMessage] = []
    while sent[-1].message_type == "OPL.R01":
        pages.append(sent[-1])
        sent = _sent(driver.feed(build_ack(str(10 + len(pages)), sent[-1].control_id), 2.0))
    assert len(pages) > 1 and _kinds(sent) == ["EOT.R01"]
    assert all(len(p.root.all("OPR")) >= 1 for p in pages)
    ids = [o.operator_id for p in pages for o in listed_operators(p)]
    assert ids == ["SYN-N001", "SYN-N002", "SYN-N003"] + [f"SYN-X{n:03}" for n in range(40)]
    assert _kinds(_sent(driver.feed(build_ack("99", sent[0].control_id), 3.0))) == ["REQ.R01"]


def test_an_ae_to_the_list_is_reported_the_topic_closed_and_the_results_still_requested(
    tmp_path: Path,
) -> None:
    operators = _operators(tmp_path)
    delivery = OperatorListDelivery(operators)
    driver = Poct1aDriver(_profile(operators), wall_clock=lambda: WALL, operator_lists=delivery)
    driver.feed(simulated_poct1a.hello("1"), 0.0)
    (_ack, opl) = _sent(driver.feed(simulated_poct1a.status("2", 3), 1.0))
    events = driver.feed(build_ack("3", opl.control_id, "AE", note="operator memory full"), 2.0)
    assert events[0] == Refused("OPL.R01 operator list with AE", "operator memory full")
    (eot,) = _sent(events)
    assert eot.message_type == "EOT.R01"
    assert _kinds(_sent(driver.feed(build_ack("4", eot.control_id), 3.0))) == ["REQ.R01"]
    assert not driver.refused and driver.operator_lists_delivered == 0
    # not acknowledged, so the meter's next conversation gets the list again
    again = Poct1aDriver(_profile(operators), wall_clock=lambda: WALL, operator_lists=delivery)
    again.feed(simulated_poct1a.hello("1"), 10.0)
    assert _kinds(_sent(again.feed(simulated_poct1a.status("2", 1), 11.0))) == ["ACK.R01", "OPL.R01"]


def test_silence_while_the_host_waits_for_the_lists_ack_is_counted_and_the_results_still_requested(
    tmp_path: Path,
) -> None:
    driver = _driver(_operators(tmp_path))
    driver.feed(simulated_poct1a.hello("1", timeout_s=30), 100.0)
    assert _kinds(_sent(driver.feed(simulated_poct1a.status("2", 2), 101.0))) == ["ACK.R01", "OPL.R01"]
    assert driver.poll(130.9) == []
    events = driver.poll(131.0)  # DCP.application_timeout after the status
    assert events[0] == Refused(
        "OPL.R01 operator list (no ACK.R01 within the application timeout)", "30 s without an answer"
    )
    assert _kinds(_sent(events)) == ["EOT.R01", "REQ.R01"]
    assert driver.next_deadline() == 161.0  # a new timeout runs for the results
    assert _kinds(_sent(driver.poll(161.0))) == ["END.R01"]


def test_a_meter_with_no_new_results_still_gets_the_list_then_end(tmp_path: Path) -> None:
    driver = _driver(_operators(tmp_path))
    (_ack, opl) = _sent(driver.feed(simulated_poct1a.status("1", 0), 0.0))
    (eot,) = _sent(driver.feed(build_ack("2", opl.control_id), 1.0))
    assert _kinds(_sent(driver.feed(build_ack("3", eot.control_id), 2.0))) == ["END.R01"]


# ------------------------------------------------------------------ a simulated meter over loopback TCP


async def _meter_run(
    gateway_address: tuple[str, int], seed: int, *, faults: FaultPlan | None = None
) -> SimulationReport:
    host, port = gateway_address

    async def connect() -> Link:
        reader, writer = await asyncio.open_connection(host, port)
        return TcpLink(reader, writer, f"{host}:{port}")

    # each run its own samples (generated ids start at 1 every time)
    samples = [
        dataclasses.replace(s, sample_id=f"{s.sample_id}-{seed}")
        for s in generate_samples("poct1a-meter", random.Random(seed), 2)
    ]
    device = SimulatedDevice("poct1a-meter", connect, samples, faults=faults)
    return await asyncio.wait_for(device.run(), 30)


def test_a_meter_gets_the_list_once_and_again_only_after_the_file_changes_its_results_stored_once(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "clinic.db"
    operators = _operators(tmp_path)
    endpoint = endpoint_from_profile(
        _profile(operators), clock=MonotonicClock(), transport=TcpListenSpec(port=0)
    )
    drivers: list[Poct1aDriver] = []

    def remember() -> Poct1aDriver:
        driver = endpoint.make_driver()
        assert isinstance(driver, Poct1aDriver)
        drivers.append(driver)
        return driver

    async def scenario() -> tuple[list[SimulationReport], DeviceStatus]:
        async with running_gateway([dataclasses.replace(endpoint, make_driver=remember)], db_path) as gateway:
            address = gateway.listen_address("meter")
            first = await _meter_run(address, 1)
            second = await _meter_run(address, 2)  # the same list: not sent again
            with operators.open("a", encoding="utf-8") as f:
                f.write("SYN-N005,Zhao Lei (SYNTHETIC),1,2099-12-31\n")
            third = await _meter_run(address, 3)
            await wait_until(lambda: gateway.status()[0].results == 12)
            return [first, second, third], gateway.status()[0]

    (first, second, third), status = asyncio.run(scenario())
    assert [r.operator_lists for r in (first, second, third)] == [1, 0, 1]
    assert [o.operator_id for o in first.operators] == [
        "SYN-N001",
        "SYN-N002",
        "SYN-N003",
    ]  # SYN-N004 expired
    assert [o.name for o in first.operators][1:] == ["王小红（虚构）", "Chen & <Li> (SYNTHETIC)"]
    assert [o.operator_id for o in third.operators][-1] == "SYN-N005"
    assert [d.operator_lists_delivered for d in drivers] == [1, 0, 1]
    assert all(r.unacknowledged == 0 for r in (first, second, third))
    keys = result_keys(db_path)
    assert len(keys) == len(set(keys)) == 12 and status.refused_by_device == {}


def test_a_meter_refusing_the_list_is_counted_logged_and_its_results_are_still_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = tmp_path / "clinic.db"
    wire = tmp_path / "wire"
    profile = _profile(_operators(tmp_path))
    endpoint = endpoint_from_profile(profile, clock=MonotonicClock(), transport=TcpListenSpec(port=0))

    async def scenario() -> tuple[SimulationReport, SimulationReport, DeviceStatus]:
        async with running_gateway([endpoint], db_path, wire_log_dir=wire) as gateway:
            address = gateway.listen_address("meter")
            refusing = await _meter_run(address, 4, faults=FaultPlan(refuse_operator_list=True))
            later = await _meter_run(address, 5)  # never acknowledged, so sent again
            await wait_until(lambda: gateway.status()[0].results == 8)
            return refusing, later, gateway.status()[0]

    with caplog.at_level(logging.WARNING, logger="devices.gateway"):
        refusing, later, status = asyncio.run(scenario())
    # the ordinary log names the refusal and never claims the conversation ended (it went on)
    assert (
        "device meter: the device refused OPL.R01 operator list with AE (its note is in the wire log)"
        in caplog.text
    )
    assert "conversation ended" not in caplog.text
    assert (refusing.operator_lists_refused, refusing.operator_lists, refusing.unacknowledged) == (1, 0, 0)
    assert (later.operator_lists, len(later.operators)) == (1, 3)
    assert status.refused_by_device == {"OPL.R01 operator list with AE": 1}
    assert len(result_keys(db_path)) == 8
    logs = "".join(p.read_text() for p in (wire / "meter").glob("*.wire.log"))
    assert "the device refused OPL.R01 operator list with AE: operator list refused (fault injected" in logs


def test_a_refused_set_time_ends_the_conversation_and_abandons_the_list_in_flight(tmp_path: Path) -> None:
    driver = _driver(_operators(tmp_path), set_time=True)
    (_ack, set_time, opl) = _sent(driver.feed(simulated_poct1a.status("1", 2), 0.0))
    events = driver.feed(build_ack("2", set_time.control_id, "AE", note="clock locked"), 1.0)
    assert events[0] == Refused("DTV.R01 SET_TIME with AE", "clock locked") and _kinds(_sent(events)) == [
        "END.R01"
    ]
    assert driver.feed(build_ack("3", opl.control_id), 2.0) == []  # nothing more after our END
    assert driver.operator_lists_delivered == 0


def test_a_certification_running_out_sends_the_list_again_without_that_operator(tmp_path: Path) -> None:
    operators = _operators(tmp_path, "SYN-N006,Sun Li (SYNTHETIC),1,2026-12-05\n")
    delivery = OperatorListDelivery(operators)
    today, tomorrow = date(2026, 12, 5), date(2026, 12, 6)
    offer = delivery.offer("M1", today)
    assert offer is not None and offer.operators[-1].operator_id == "SYN-N006"  # valid through its last day
    delivery.acknowledged("M1", offer.digest)
    assert delivery.offer("M1", today) is None
    assert delivery.offer("M2", today) is not None  # another meter behind the same dock
    later = delivery.offer("M1", tomorrow)
    assert later is not None and "SYN-N006" not in [o.operator_id for o in later.operators]


def test_an_edit_that_breaks_the_file_is_logged_with_its_line_and_the_last_valid_list_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    operators = _operators(tmp_path)
    delivery = OperatorListDelivery(operators)
    offer = delivery.offer("M1", date(2026, 12, 5))
    assert offer is not None
    delivery.acknowledged("M1", offer.digest)
    with operators.open("a", encoding="utf-8") as f:
        f.write("SYN-N007,Ma Jun (SYNTHETIC),1,2027-13-01\n")
    with caplog.at_level(logging.ERROR, logger="devices.operator_list"):
        assert delivery.offer("M1", date(2026, 12, 5)) is None  # the meter keeps what it holds
    assert f"{operators} line 12, column 4: expires '2027-13-01' is not a date" in caplog.text
    assert "the meters keep the last valid list" in caplog.text

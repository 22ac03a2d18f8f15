"""POCT1-A2 operator lists (checklist item 25): after the status (and SET_TIME) the host sends the
clinic's certified operators as OPL.R01, waits for each ACK, closes the topic with EOT.R01 and
then asks for the results; a list goes to a meter once and again only after it changed - also
across gateway restarts (what each meter acknowledged is in the clinic database); a refusal or
silence is counted and never costs a result; a message the host does not handle (an OPL.R02
from the meter) is counted and logged and the conversation goes on. The driver alone, then a
simulated meter over real loopback TCP through the gateway and its SQLite file."""

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
from sqlite_utils import Database

from devices import simulated_poct1a
from devices.codecs.poct1a import Poct1aMessage, build_ack, build_message, parse_message
from devices.codecs.poct1a_operators import listed_operators
from devices.endpoint import DeviceEndpoint
from devices.gateway import DeviceStatus
from devices.link_drivers import endpoint_from_profile
from devices.operator_delivery import OperatorListDelivery, RememberedLists
from devices.poct1a_conversation import Poct1aDriver
from devices.profile import PROFILE_DIR, DeviceProfile
from devices.session import LinkEvent, MonotonicClock, Refused, Send, Unhandled
from devices.simulated_results import generate_samples, simulator_profile
from devices.simulator import FaultPlan, SimulatedDevice, SimulationReport
from devices.transports.link import Link, TcpListenSpec
from devices.transports.tcp import TcpLink
from referral.meter_operator_lists import MeterOperatorLists
from referral.schema import connect
from tests.devices.gateway.harness import result_keys, running_gateway, wait_until
from triage.cli.devices_result_lines import status_line

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
    delivery, lists = OperatorListDelivery(operators), RememberedLists()
    driver = Poct1aDriver(
        _profile(operators), wall_clock=lambda: WALL, operator_lists=delivery, acknowledged_lists=lists
    )
    driver.feed(simulated_poct1a.hello("1"), 0.0)
    (_ack, opl) = _sent(driver.feed(simulated_poct1a.status("2", 3), 1.0))
    events = driver.feed(build_ack("3", opl.control_id, "AE", note="operator memory full"), 2.0)
    assert events[0] == Refused("OPL.R01 operator list with AE", "operator memory full")
    (eot,) = _sent(events)
    assert eot.message_type == "EOT.R01"
    assert _kinds(_sent(driver.feed(build_ack("4", eot.control_id), 3.0))) == ["REQ.R01"]
    assert not driver.refused and driver.operator_lists_delivered == 0
    # not acknowledged, so the meter's next conversation gets the list again
    again = Poct1aDriver(
        _profile(operators), wall_clock=lambda: WALL, operator_lists=delivery, acknowledged_lists=lists
    )
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


def _remembering(endpoint: DeviceEndpoint, drivers: list[Poct1aDriver]) -> DeviceEndpoint:
    """``endpoint`` with each session's driver (built on the gateway's database) kept in ``drivers``."""
    make = endpoint.make_resumed_driver
    assert make is not None  # a profile with an operator list resumes from the clinic database

    def remember(db: Database) -> Poct1aDriver:
        driver = make(db)
        assert isinstance(driver, Poct1aDriver)
        drivers.append(driver)
        return driver

    return dataclasses.replace(endpoint, make_resumed_driver=remember)


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

    async def scenario() -> tuple[list[SimulationReport], DeviceStatus]:
        async with running_gateway([_remembering(endpoint, drivers)], db_path) as gateway:
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
    delivery, lists = OperatorListDelivery(operators), RememberedLists()
    today, tomorrow = date(2026, 12, 5), date(2026, 12, 6)
    offer = delivery.offer("M1", today, lists)
    assert offer is not None and offer.operators[-1].operator_id == "SYN-N006"  # valid through its last day
    lists.acknowledged("M1", offer.digest, len(offer.operators))
    assert delivery.offer("M1", today, lists) is None
    assert delivery.offer("M2", today, lists) is not None  # another meter behind the same dock
    later = delivery.offer("M1", tomorrow, lists)
    assert later is not None and "SYN-N006" not in [o.operator_id for o in later.operators]


def test_an_edit_that_breaks_the_file_is_logged_with_its_line_and_the_last_valid_list_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    operators = _operators(tmp_path)
    delivery, lists = OperatorListDelivery(operators), RememberedLists()
    offer = delivery.offer("M1", date(2026, 12, 5), lists)
    assert offer is not None
    lists.acknowledged("M1", offer.digest, len(offer.operators))
    with operators.open("a", encoding="utf-8") as f:
        f.write("SYN-N007,Ma Jun (SYNTHETIC),1,2027-13-01\n")
    with caplog.at_level(logging.ERROR, logger="devices.operator_list"):
        assert delivery.offer("M1", date(2026, 12, 5), lists) is None  # the meter keeps what it holds
    assert f'{operators} line 12, column 4: expires "2027-13-01" is not a date' in caplog.text
    assert "the meters keep the last valid list" in caplog.text


# ------------------------------------------------------------------ across gateway restarts


def _gateway_life(
    profile: DeviceProfile,
    db_path: Path,
    seed: int,
    *,
    faults: FaultPlan | None = None,
    wire: Path | None = None,
) -> tuple[SimulationReport, DeviceStatus]:
    """One run of a gateway process: a fresh endpoint (nothing remembered in memory) on the clinic
    database, one simulated meter's conversation over loopback TCP, then the gateway stops."""
    endpoint = endpoint_from_profile(profile, clock=MonotonicClock(), transport=TcpListenSpec(port=0))

    async def scenario() -> tuple[SimulationReport, DeviceStatus]:
        async with running_gateway([endpoint], db_path, wire_log_dir=wire) as gateway:
            report = await _meter_run(gateway.listen_address("meter"), seed, faults=faults)
            await wait_until(lambda: gateway.status()[0].results == 4)
            return report, gateway.status()[0]

    return asyncio.run(scenario())


def _held(db_path: Path) -> list[tuple[str, str, str, int]]:
    """(gateway device, meter, digest, operators) of every stored acknowledgement."""
    db = connect(db_path)
    try:
        rows = db.execute("SELECT device_id, meter, digest, operators FROM meter_operator_lists").fetchall()
    finally:
        db.close()
    return [(str(a), str(b), str(c), int(d)) for a, b, c, d in rows]


def test_after_a_gateway_restart_a_meter_is_not_sent_the_list_it_acknowledged_but_a_changed_one_is(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "clinic.db"
    operators = _operators(tmp_path)
    profile = _profile(operators)
    first, _ = _gateway_life(profile, db_path, 1)
    second, _ = _gateway_life(profile, db_path, 2)  # restarted: the meter holds this list
    with operators.open("a", encoding="utf-8") as f:
        f.write("SYN-N005,Zhao Lei (SYNTHETIC),1,2099-12-31\n")
    third, _ = _gateway_life(profile, db_path, 3)  # changed while the gateway was down: sent
    fourth, status = _gateway_life(profile, db_path, 4)
    assert [r.operator_lists for r in (first, second, third, fourth)] == [1, 0, 1, 0]
    assert [o.operator_id for o in third.operators] == ["SYN-N001", "SYN-N002", "SYN-N003", "SYN-N005"]
    due = OperatorListDelivery(operators).due(datetime.now(ZONE).date())
    assert _held(db_path) == [("meter", "SIM-POCT-0001", due.digest, 4)]
    keys = result_keys(db_path)
    assert len(keys) == len(set(keys)) == 16 and status.refused_by_device == {}


def test_a_refused_list_is_sent_again_by_the_restarted_gateway_then_not_again(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    profile = _profile(_operators(tmp_path))
    refusing, status = _gateway_life(profile, db_path, 4, faults=FaultPlan(refuse_operator_list=True))
    assert (refusing.operator_lists_refused, refusing.operator_lists) == (1, 0)
    assert status.refused_by_device == {"OPL.R01 operator list with AE": 1}
    assert _held(db_path) == []
    later, _ = _gateway_life(profile, db_path, 5)
    again, _ = _gateway_life(profile, db_path, 6)
    assert (later.operator_lists, len(later.operators), again.operator_lists) == (1, 3, 0)
    assert len(result_keys(db_path)) == 12


def test_an_unanswered_list_is_sent_again_after_a_restart_even_when_the_file_went_back(
    tmp_path: Path,
) -> None:
    """A list begun and never acknowledged leaves what the meter holds unknown (it may have taken
    some pages): the acknowledgement of the earlier list is forgotten, in the database."""
    db_path = tmp_path / "clinic.db"
    operators = _operators(tmp_path)
    original = operators.read_bytes()

    def conversation(db: Database) -> tuple[Poct1aDriver, list[Poct1aMessage]]:
        driver = Poct1aDriver(
            _profile(operators),
            wall_clock=lambda: WALL,
            operator_lists=OperatorListDelivery(operators),
            acknowledged_lists=MeterOperatorLists(db, "meter"),
        )
        driver.feed(simulated_poct1a.hello("1", timeout_s=30), 0.0)
        return driver, _sent(driver.feed(simulated_poct1a.status("2", 1), 1.0))

    db = connect(db_path)  # the first gateway: the meter acknowledges the whole list
    driver, (_ack, opl) = conversation(db)
    (eot,) = _sent(driver.feed(build_ack("3", opl.control_id), 2.0))
    assert _kinds(_sent(driver.feed(build_ack("4", eot.control_id), 3.0))) == ["REQ.R01"]
    db.close()
    db = connect(db_path)  # restarted: not sent again; then the file changes and the meter is silent
    assert _kinds(conversation(db)[1]) == ["ACK.R01", "REQ.R01"]
    with operators.open("a", encoding="utf-8") as f:
        f.write("SYN-N005,Zhao Lei (SYNTHETIC),1,2099-12-31\n")
    driver, (_ack, opl) = conversation(db)
    assert len(listed_operators(opl)) == 4
    events = driver.poll(31.0)
    assert events[0] == Refused(
        "OPL.R01 operator list (no ACK.R01 within the application timeout)", "30 s without an answer"
    )
    assert _held(db_path) == []
    db.close()
    operators.write_bytes(original)  # the edit undone while the gateway was down
    db = connect(db_path)
    driver, sent = conversation(db)
    assert _kinds(sent) == ["ACK.R01", "OPL.R01"] and len(listed_operators(sent[1])) == 3
    db.close()


# ------------------------------------------------------------------ messages the host does not handle


def test_messages_the_host_does_not_handle_are_acknowledged_reported_and_leave_the_list_in_flight(
    tmp_path: Path,
) -> None:
    driver = _driver(_operators(tmp_path))
    driver.feed(simulated_poct1a.hello("1"), 0.0)
    (_ack, opl) = _sent(driver.feed(simulated_poct1a.status("2", 1), 1.0))
    for number, kind in enumerate(("OPL.R02", "OPL.R01", "EVS.R01", "REQ.R01", "DTV.R02"), start=3):
        events = driver.feed(build_message(kind, str(number), "<OPR/>"), 2.0)
        assert events[1:] == [Unhandled(f"{kind} from the device")]
        (ack,) = _sent(events)
        assert (ack.value("ACK/ACK.ack_control_id"), ack.value("ACK/ACK.type_cd")) == (str(number), "AA")
    keep_alive = driver.feed(build_message("KPA.R01", "8", ""), 2.5)
    assert [type(e) for e in keep_alive] == [Send]  # a keep-alive is handled: only acknowledged
    (eot,) = _sent(driver.feed(build_ack("9", opl.control_id), 3.0))
    assert _kinds(_sent(driver.feed(build_ack("10", eot.control_id), 4.0))) == ["REQ.R01"]
    assert driver.operator_lists_delivered == 1


def test_an_operator_list_update_from_the_meter_is_counted_and_logged_and_the_conversation_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path, wire = tmp_path / "clinic.db", tmp_path / "wire"
    profile = _profile(_operators(tmp_path))
    with caplog.at_level(logging.WARNING, logger="devices.gateway"):
        report, status = _gateway_life(
            profile, db_path, 7, faults=FaultPlan(operator_list_update=True), wire=wire
        )
    assert status.unhandled == {"OPL.R02 from the device": 1}
    assert (
        "device meter: OPL.R02 from the device is not handled by the gateway; acknowledged and ignored"
        in caplog.text
    )
    assert (report.operator_lists, report.aborted, report.unacknowledged) == (1, 0, 0)
    assert len(result_keys(db_path)) == 4 and "session failed" not in (status.last_error or "")
    assert "1 message not handled (1 OPL.R02 from the device)" in status_line(status)
    logs = "".join(p.read_text() for p in (wire / "meter").glob("*.wire.log"))
    assert "not handled by the gateway: OPL.R02 from the device" in logs

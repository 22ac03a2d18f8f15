"""POCT1-A2 conversations (checklist item 25): the host driver's replies and timers, and a
simulated meter dock against the listening gateway over real loopback TCP - every message ACKed
with its control id echoed, results stored once (a RES resend too), QC never fed to triage, and
malformed XML quarantined while earlier results stay."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from devices import simulated_poct1a
from devices.codecs.poct1a import (
    Poct1aMessage,
    build_ack,
    build_end,
    build_message,
    parse_message,
    v_element,
)
from devices.codecs.poct1a_framing import Poct1aFrame, Poct1aFramer
from devices.endpoint import DeviceEndpoint
from devices.gateway import DeviceStatus, GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.poct1a_conversation import Poct1aDriver
from devices.profile import DeviceProfile, TcpSettings, load_profile
from devices.session import Discarded, LinkEvent, MonotonicClock, Received, Refused, Send
from devices.simulated_results import SimulatedSample, generate_samples, sample_from_values, simulator_profile
from devices.simulator import DeviceServer, FaultPlan, SimulatedDevice, SimulationReport, trace_messages
from devices.transports.link import Link, TcpListenSpec
from devices.transports.tcp import TcpLink
from tests.devices.gateway.harness import WAIT_S, count, result_keys, running_gateway, wait_until
from triage.cli.devices_result_lines import status_line

ZONE = ZoneInfo("Asia/Shanghai")
PROFILE = load_profile("poct1a-glucose_meter")
# the meter's results were measured in the last hour: the gateway holds one timed a day or more
# before it arrives (devices.device_clock)
HOUR = datetime.now(ZONE).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
WHEN = HOUR.replace(minute=30)
CLOCK = MonotonicClock()


def _sample(sample_id: str, glucose: float = 5.8, qc: bool = False) -> SimulatedSample:
    when = HOUR.replace(minute=int(sample_id[-1]))
    return sample_from_values(
        "poct1a-meter", "SIM-P1", sample_id, {"glucose_random": glucose}, observed_at=when, qc=qc
    )


CONVERSATION_BYTES = b"".join(
    [
        simulated_poct1a.hello("1"),
        simulated_poct1a.status("2", 2),
        simulated_poct1a.observation(_sample("S1"), "3"),
        simulated_poct1a.observation(_sample("Q2", qc=True), "4"),
        simulated_poct1a.end_of_topic("5"),
    ]
)


def _sent(events: list[LinkEvent]) -> list[Poct1aMessage]:
    return [parse_message(e.data) for e in events if isinstance(e, Send)]


def _profile(**poct1a: object) -> DeviceProfile:
    return PROFILE.model_copy(update={"poct1a": PROFILE.poct1a.model_copy(update=poct1a)})


# ------------------------------------------------------------------ the driver alone


def test_the_host_acks_hello_and_status_with_the_control_id_and_requests_the_observations() -> None:
    driver = Poct1aDriver(PROFILE)
    hello = _sent(driver.feed(simulated_poct1a.hello("00041", timeout_s=90), 0.0))
    assert [
        (m.message_type, m.value("ACK/ACK.type_cd"), m.value("ACK/ACK.ack_control_id")) for m in hello
    ] == [("ACK.R01", "AA", "00041")]
    assert driver.timeout_s == 90 and driver.next_deadline() == 90.0
    replies = _sent(driver.feed(simulated_poct1a.status("00042", 3), 1.0))
    assert [m.message_type for m in replies] == ["ACK.R01", "REQ.R01"]
    assert replies[0].value("ACK/ACK.ack_control_id") == "00042"
    assert replies[1].value("REQ/REQ.request_cd") == "ROBS"
    assert driver.new_observations == 3
    assert len({m.control_id for m in hello + replies}) == 3  # the host's own ids never repeat


def test_an_observation_is_received_before_its_ack_and_an_ack_is_never_acked() -> None:
    driver = Poct1aDriver(PROFILE)
    raw = simulated_poct1a.observation(_sample("S1"), "7")
    events = driver.feed(raw, 0.0)
    assert isinstance(events[0], Received) and events[0].raw == raw
    assert [m.value("ACK/ACK.ack_control_id") for m in _sent(events)] == ["7"]
    assert isinstance(events[1], Send)  # persist before ACK: Received comes first
    assert driver.feed(build_ack("8", "2"), 1.0) == []
    assert list(driver.acknowledged_by_device) == [("2", "AA")]


def test_no_new_observations_ends_the_conversation_and_eot_of_observations_ends_it_too() -> None:
    driver = Poct1aDriver(PROFILE)
    assert [m.message_type for m in _sent(driver.feed(simulated_poct1a.status("1", 0), 0.0))] == [
        "ACK.R01",
        "END.R01",
    ]
    assert driver.next_deadline() is None
    driver = Poct1aDriver(PROFILE)
    end = _sent(driver.feed(simulated_poct1a.end_of_topic("9"), 0.0))
    assert [m.message_type for m in end] == ["ACK.R01", "END.R01"]
    assert end[1].value("TRM/TRM.reason_cd") == "NRM"
    assert driver.feed(b'<END.R01><HDR><HDR.control_id V="10"/></HDR></END.R01>', 1.0) == []


def test_start_continuous_is_sent_once_and_wait_sends_nothing() -> None:
    driver = Poct1aDriver(_profile(after_status="start_continuous"))
    first = _sent(driver.feed(simulated_poct1a.status("1", 2), 0.0))
    assert [(m.message_type, m.value("DTV/DTV.command_cd")) for m in first][1] == (
        "DTV.R01",
        "START_CONTINUOUS",
    )
    assert [m.message_type for m in _sent(driver.feed(simulated_poct1a.status("2", 1), 1.0))] == ["ACK.R01"]
    assert [m.message_type for m in _sent(driver.feed(simulated_poct1a.end_of_topic("3"), 2.0))] == [
        "ACK.R01"
    ]
    waiting = Poct1aDriver(_profile(after_status="wait"))
    assert [m.message_type for m in _sent(waiting.feed(simulated_poct1a.status("1", 2), 0.0))] == ["ACK.R01"]


def test_malformed_xml_is_stored_for_quarantine_and_refused_with_ae_naming_the_problem() -> None:
    driver = Poct1aDriver(PROFILE)
    bad = b'<OBS.R01><HDR><HDR.control_id V="00077"/></HDR><SVC><PT></SVC></OBS.R01>'
    events = driver.feed(bad, 0.0)
    assert isinstance(events[0], Received) and events[0].raw == bad
    (ack,) = _sent(events)
    assert (ack.value("ACK/ACK.type_cd"), ack.value("ACK/ACK.ack_control_id")) == ("AE", "00077")
    assert "malformed XML: mismatched tag" in (ack.value("ACK/ACK.note_txt") or "")


def test_silence_past_the_application_timeout_discards_a_partial_message_and_ends() -> None:
    driver = Poct1aDriver(PROFILE)
    driver.feed(simulated_poct1a.hello("1", timeout_s=30), 100.0)
    partial = simulated_poct1a.observation(_sample("S1"), "2")[:120]
    assert driver.feed(partial, 110.0) == []
    assert driver.next_deadline() == 140.0
    assert driver.poll(139.9) == []
    events = driver.poll(140.0)
    assert isinstance(events[0], Discarded) and "application timeout of 30 s; 120 bytes" in events[0].reason
    assert [m.message_type for m in _sent(events)] == ["END.R01"]
    assert driver.next_deadline() is None
    # the device starts again: the discarded half never joins the next message
    assert isinstance(driver.feed(simulated_poct1a.observation(_sample("S1"), "3"), 200.0)[0], Received)


# ------------------------------------------------------------------ over loopback TCP


def _endpoint(profile: DeviceProfile) -> DeviceEndpoint:
    return endpoint_from_profile(profile, clock=CLOCK, transport=TcpListenSpec(port=0))


class _DeviceEnd:
    """The device end of a loopback TCP connection: ``got`` holds the host's messages read so far."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self._reader = reader
        self._framer = Poct1aFramer()
        self.got: list[Poct1aMessage] = []

    @classmethod
    async def connect(cls, address: tuple[str, int]) -> _DeviceEnd:
        return cls(*await asyncio.open_connection(*address))

    async def read(self, until: int) -> None:
        """Read until the host has sent ``until`` messages in all; fails if it closes first (a
        closed connection reads b'' at once: the loop spun on it, burning CPU, for ever)."""
        while len(self.got) < until:
            data = await asyncio.wait_for(self._reader.read(4096), WAIT_S)
            assert data, f"the host closed the connection after {len(self.got)} of {until} messages"
            self.got.extend(
                parse_message(e.data) for e in self._framer.feed(data) if isinstance(e, Poct1aFrame)
            )


async def _conversation(
    address: tuple[str, int], messages: list[bytes], replies: int, *, one_by_one: bool = False
) -> list[Poct1aMessage]:
    """Send ``messages`` (all in one write, or each after the reply to the one before) and
    return the first ``replies`` host messages."""
    device = await _DeviceEnd.connect(address)
    writer, read, got = device.writer, device.read, device.got
    for n, message in enumerate(messages if one_by_one else [b"".join(messages)], start=1):
        writer.write(message)
        await writer.drain()
        if one_by_one and n < len(messages):
            await read(n)
    await read(replies)
    writer.close()
    return got


def test_a_simulated_meter_is_stored_once_each_ack_echoes_its_id_and_qc_is_held(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    samples = [*generate_samples("poct1a-meter", random.Random(3), 4), _sample("Q1", 5.5, qc=True)]
    profile = simulator_profile("poct1a-meter", "meter")

    async def scenario() -> list[str]:
        async with running_gateway([_endpoint(profile)], db_path, delivered=delivered) as gateway:
            host, port = gateway.listen_address("meter")

            async def connect() -> Link:
                reader, writer = await asyncio.open_connection(host, port)
                return TcpLink(reader, writer, f"{host}:{port}")

            device = SimulatedDevice("poct1a-meter", connect, samples, faults=FaultPlan(max_chunk=37))
            report = await asyncio.wait_for(device.run(), 20)
            await wait_until(lambda: len(delivered) == 9)
            (status,) = gateway.status()
            assert (status.results, status.duplicates, status.quarantined) == (9, 0, 0)
            return report.acknowledged

    acknowledged = asyncio.run(scenario())
    assert acknowledged == [s.sample_id for s in samples]
    assert sorted(result_keys(db_path)) == sorted(
        (s.sample_id, r.vendor_code, "final") for s in samples for r in s.results
    )
    qc = [r for r in delivered if r.stored.is_qc]
    assert len(qc) == 1 and not qc[0].auto_feed and qc[0].hold_reason == "quality-control result"
    assert all(r.auto_feed for r in delivered if not r.stored.is_qc)


def test_a_res_resend_is_acked_again_but_stored_once(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    sample = _sample("S1", 14.2)

    async def scenario() -> list[Poct1aMessage]:
        async with running_gateway([_endpoint(PROFILE)], db_path) as gateway:
            messages = [
                simulated_poct1a.hello("1"),
                simulated_poct1a.status("2", 1),
                simulated_poct1a.observation(sample, "3"),
                simulated_poct1a.observation(sample, "4", resend=True),
            ]
            replies = await _conversation(gateway.listen_address(PROFILE.device_id), messages, 5)
            await wait_until(lambda: gateway.status()[0].duplicates == 1)
            return replies

    replies = asyncio.run(scenario())
    acks = [m.value("ACK/ACK.ack_control_id") for m in replies if m.message_type == "ACK.R01"]
    assert acks == ["1", "2", "3", "4"]
    assert [m.message_type for m in replies].count("REQ.R01") == 1
    assert result_keys(db_path) == [("S1", "Glu", "final")]
    assert count(db_path, "device_messages") == 2


def test_malformed_xml_is_quarantined_while_the_earlier_results_stay(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    bad = b'<OBS.R01><HDR><HDR.control_id V="6"/></HDR><SVC><PT><PT.patient_id V="P2"></SVC></OBS.R01>'

    async def scenario() -> list[Poct1aMessage]:
        async with running_gateway([_endpoint(PROFILE)], db_path) as gateway:
            messages = [simulated_poct1a.observation(_sample("S5"), "5"), b"\n", bad]
            replies = await _conversation(gateway.listen_address(PROFILE.device_id), messages, 2)
            await wait_until(lambda: count(db_path, "device_quarantine") == 1)
            return replies

    replies = asyncio.run(scenario())
    assert [(m.value("ACK/ACK.type_cd"), m.value("ACK/ACK.ack_control_id")) for m in replies] == [
        ("AA", "5"),
        ("AE", "6"),
    ]
    assert result_keys(db_path) == [("S5", "Glu", "final")]
    with sqlite3.connect(db_path) as conn:
        raw, reason, offset = conn.execute(
            "SELECT raw, reason, byte_offset FROM device_quarantine"
        ).fetchone()
    assert raw == bad and "malformed XML: mismatched tag" in reason and offset == bad.index(b"</SVC>") + 2


def test_lost_acks_and_disconnects_lead_to_res_resends_that_are_stored_exactly_once(tmp_path: Path) -> None:
    """The meter resends an unacknowledged result as RES (new control id, same observation); the
    gateway acknowledges it again and counts it as a duplicate, never stores it twice."""
    db_path = tmp_path / "clinic.db"
    profile = simulator_profile("poct1a-meter", "meter")
    impatient = profile.model_copy(update={"link": profile.link.model_copy(update={"reply_timeout": 0.3})})
    samples = generate_samples("poct1a-meter", random.Random(5), 15, qc_rate=0.2)
    faults = FaultPlan(max_chunk=50, drop_ack_rate=0.002, disconnect_rate=0.05)

    async def scenario() -> tuple[int, int]:
        async with running_gateway([_endpoint(profile)], db_path) as gateway:
            host, port = gateway.listen_address("meter")

            async def connect() -> Link:
                reader, writer = await asyncio.open_connection(host, port)
                return TcpLink(reader, writer, f"{host}:{port}")

            device = SimulatedDevice(
                "poct1a-meter", connect, samples, rng=random.Random(5), faults=faults, profile=impatient
            )
            report = await asyncio.wait_for(device.run(), 60)
            assert report.unacknowledged == 0
            await wait_until(lambda: gateway.status()[0].results == 30)
            return report.aborted, gateway.status()[0].duplicates

    aborted, duplicates = asyncio.run(scenario())
    assert aborted > 0 and duplicates > 0  # ACKs were lost, results resent
    keys = result_keys(db_path)
    assert len(keys) == len(set(keys)) == 30
    with sqlite3.connect(db_path) as conn:
        raws = [bytes(r[0]) for r in conn.execute("SELECT raw FROM device_messages")]
    assert any(b'<SVC.reason_cd V="RES"/>' in raw for raw in raws)


def test_a_tolerance_switch_fired_while_storing_is_counted_for_the_device(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    comma = PROFILE.model_copy(
        update={"tolerance": PROFILE.tolerance.model_copy(update={"decimal_comma": True})}
    )
    first = simulated_poct1a.observation(_sample("S1"), "1").replace(b'V="5.8"', b'V="5,8"')

    async def scenario() -> dict[str, int]:
        async with running_gateway([_endpoint(comma)], db_path) as gateway:
            messages = [first, simulated_poct1a.end_of_topic("2")]
            await _conversation(gateway.listen_address(comma.device_id), messages, 3, one_by_one=True)
            await wait_until(lambda: bool(gateway.status()[0].tolerance_counts))
            return dict(gateway.status()[0].tolerance_counts)

    assert asyncio.run(scenario()) == {"decimal_comma": 1}
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT value FROM device_results").fetchall() == [("5.8",)]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=len(CONVERSATION_BYTES)))
def test_any_bytes_anywhere_in_a_conversation_never_crash_the_driver(noise: bytes, at: int) -> None:
    """Whatever arrives, the driver answers with events; every message it hands on for storing
    is followed by exactly one ACK.R01 (AA, or AE when it did not parse)."""
    driver = Poct1aDriver(PROFILE)
    events = driver.feed(CONVERSATION_BYTES[:at] + noise + CONVERSATION_BYTES[at:], 0.0)
    events += driver.poll(10_000.0)
    each_stored_message_acknowledged(events)


def each_stored_message_acknowledged(events: list[LinkEvent]) -> None:
    """Every message the driver hands on for storing is followed by its ACK.R01 (AA, or AE when
    it did not parse)."""
    for n, event in enumerate(events):
        if isinstance(event, Received):
            reply = events[n + 1]
            assert isinstance(reply, Send)
            ack = parse_message(reply.data)
            assert ack.message_type == "ACK.R01" and ack.value("ACK/ACK.type_cd") in ("AA", "AE")


def test_the_synthetic_capture_played_twice_is_stored_once(tmp_path: Path) -> None:
    """`triage devices simulate --trace FILE --kind poct1a-meter` path: the capture's OBS.R01/R02
    messages, played as recorded (their own control ids, the RES resend included), twice."""
    raw = (Path(__file__).parents[1] / "traces" / "data" / "poct1a-glucose_meter.xml").read_bytes()
    messages = trace_messages(raw, "poct1a")
    assert [parse_message(m.payload[0]).message_type for m in messages] == ["OBS.R02"] + ["OBS.R01"] * 4
    db_path = tmp_path / "clinic.db"

    async def scenario() -> tuple[int, int]:
        async with running_gateway([_endpoint(PROFILE)], db_path) as gateway:
            host, port = gateway.listen_address(PROFILE.device_id)

            async def connect() -> Link:
                reader, writer = await asyncio.open_connection(host, port)
                return TcpLink(reader, writer, f"{host}:{port}")

            for _round in range(2):
                report = await asyncio.wait_for(SimulatedDevice("poct1a-meter", connect, messages).run(), 20)
                assert report.unacknowledged == 0
            await wait_until(lambda: gateway.status()[0].messages == 10)
            return gateway.status()[0].results, gateway.status()[0].duplicates

    assert asyncio.run(scenario()) == (5, 7)  # the RES resend and the whole second round
    assert len(result_keys(db_path)) == 5


def test_two_patients_measured_in_the_same_second_without_order_ids_are_both_stored(tmp_path: Path) -> None:
    """Several meters behind one dock share a profile: without ORD.order_id the sample id is the
    patient (``PT <id>``), so the second patient's result is not taken for a resend of the first."""
    db_path = tmp_path / "clinic.db"

    def reading(control_id: str, patient: str) -> bytes:
        raw = simulated_poct1a.observation(
            sample_from_values("poct1a-meter", patient, "X", {"glucose_random": 7.0}, observed_at=WHEN),
            control_id,
        )
        return raw.replace(b'<ORD><ORD.order_id V="X"/></ORD>', b"")

    async def scenario() -> None:
        async with running_gateway([_endpoint(PROFILE)], db_path) as gateway:
            messages = [reading("1", "SIM-P1"), reading("2", "SIM-P2"), reading("3", "SIM-P1")]
            await _conversation(gateway.listen_address(PROFILE.device_id), messages, 3)
            await wait_until(lambda: gateway.status()[0].messages == 3)

    asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT sample_id, patient_id FROM device_results ORDER BY id").fetchall()
    assert rows == [("PT SIM-P1", "SIM-P1"), ("PT SIM-P2", "SIM-P2")]  # the third is a resend of the first


# ------------------------------------------------------------------ the device refuses what we ask


def _refusal(control_id: str, of: str, note: str) -> bytes:
    return build_ack(control_id, of, "AE", note=note)


def _escape(control_id: str, note: str) -> bytes:
    body = "<ESC>" + v_element("ESC.note_txt", note) + "</ESC>"
    return build_message("ESC.R01", control_id, body)


def test_an_ae_to_our_request_ends_the_conversation_and_the_request_is_never_repeated() -> None:
    driver = Poct1aDriver(PROFILE)
    driver.feed(simulated_poct1a.hello("1"), 0.0)
    (_ack, request) = _sent(driver.feed(simulated_poct1a.status("2", 3), 1.0))
    events = driver.feed(_refusal("3", request.control_id, "ROBS not supported in this mode"), 2.0)
    assert events[0] == Refused("REQ.R01 ROBS with AE", "ROBS not supported in this mode")
    assert [m.message_type for m in _sent(events)] == ["END.R01"] and driver.next_deadline() is None
    # the device carries on with another status: acknowledged, nothing asked again
    assert [m.message_type for m in _sent(driver.feed(simulated_poct1a.status("4", 3), 3.0))] == ["ACK.R01"]
    # an AE to something we never sent, or an AA, is no refusal
    assert driver.feed(_refusal("5", "999", "?"), 4.0) == []


def test_an_escape_is_acknowledged_counted_and_ends_the_conversation_once() -> None:
    driver = Poct1aDriver(_profile(after_status="start_continuous"))
    driver.feed(simulated_poct1a.status("1", 0), 0.0)
    events = driver.feed(_escape("2", "unexpected message DTV.R01"), 1.0)
    assert Refused("a host message with ESC.R01", "unexpected message DTV.R01") in events
    assert [(m.message_type, m.value("ACK/ACK.ack_control_id")) for m in _sent(events)] == [
        ("ACK.R01", "2"),
        ("END.R01", None),
    ]
    # the device's END after its ESC ends it on its side; nothing more is sent
    assert driver.feed(build_end("3"), 2.0) == []


def test_a_refusal_over_tcp_is_counted_written_to_the_session_log_and_ends_with_end(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    wire = tmp_path / "wire"

    async def scenario() -> tuple[list[Poct1aMessage], DeviceStatus]:
        async with running_gateway([_endpoint(PROFILE)], db_path, wire_log_dir=wire) as gateway:
            device = await _DeviceEnd.connect(gateway.listen_address(PROFILE.device_id))
            writer, read, got = device.writer, device.read, device.got
            writer.write(simulated_poct1a.hello("1") + simulated_poct1a.status("2", 2))
            await read(3)  # ACK, ACK, REQ
            request = got[2]
            writer.write(_refusal("3", request.control_id, "operator lockout: ROBS refused"))
            await read(4)  # END
            writer.write(simulated_poct1a.status("4", 2))  # asked again? no: ACK only
            await read(5)
            writer.write(_escape("5", "cannot process REQ.R01"))
            await read(7)  # ACK of the ESC, END
            writer.close()
            await wait_until(lambda: not gateway.status()[0].link_up)
            return got, gateway.status()[0]

    replies, status = asyncio.run(scenario())
    assert [m.message_type for m in replies] == [
        "ACK.R01", "ACK.R01", "REQ.R01", "END.R01", "ACK.R01", "ACK.R01", "END.R01"
    ]  # fmt: skip
    assert status.refused_by_device == {"REQ.R01 ROBS with AE": 1, "a host message with ESC.R01": 1}
    assert "2 requests refused by the device (1 REQ.R01 ROBS with AE, 1 a host message with ESC.R01)" in (
        status_line(status)
    )
    (log_file,) = (wire / PROFILE.device_id).glob("*.wire.log")
    text = log_file.read_text()  # the device's own words only in the session's wire log
    assert "the device refused REQ.R01 ROBS with AE: operator lockout: ROBS refused" in text
    assert "the device refused a host message with ESC.R01: cannot process REQ.R01" in text
    assert "lockout" not in (status.last_error or "")


# ------------------------------------------------------------------ setting the device's clock


def test_set_time_is_sent_once_after_the_first_status_only_when_the_profile_asks() -> None:
    wall = datetime(2026, 3, 1, 9, 15, 0, tzinfo=ZONE)
    driver = Poct1aDriver(_profile(set_time=True), wall_clock=lambda: wall)
    first = _sent(driver.feed(simulated_poct1a.status("1", 2), 0.0))
    assert [
        (m.message_type, m.value("DTV/DTV.command_cd") or m.value("REQ/REQ.request_cd")) for m in first
    ] == [
        ("ACK.R01", None),
        ("DTV.R01", "SET_TIME"),
        ("REQ.R01", "ROBS"),
    ]
    assert first[1].created == "2026-03-01T09:15:00+08:00"  # the time the device sets its clock to
    assert [m.message_type for m in _sent(driver.feed(simulated_poct1a.status("2", 2), 1.0))] == [
        "ACK.R01",
        "REQ.R01",
    ]
    plain = _sent(Poct1aDriver(PROFILE).feed(simulated_poct1a.status("1", 2), 0.0))
    assert "DTV.R01" not in [m.message_type for m in plain]  # off by default


def test_a_simulated_meter_acknowledges_set_time_over_tcp_and_its_results_are_stored(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    profile = simulator_profile("poct1a-meter", "meter")
    timed = profile.model_copy(update={"poct1a": profile.poct1a.model_copy(update={"set_time": True})})
    samples = generate_samples("poct1a-meter", random.Random(8), 2)

    async def scenario() -> list[tuple[str, str]]:
        driver_holder: list[Poct1aDriver] = []
        endpoint = _endpoint(timed)
        make = endpoint.make_driver

        def remember() -> Poct1aDriver:
            driver = make()
            assert isinstance(driver, Poct1aDriver)
            driver_holder.append(driver)
            return driver

        endpoint = dataclasses.replace(endpoint, make_driver=remember)
        async with running_gateway([endpoint], db_path) as gateway:
            host, port = gateway.listen_address("meter")

            async def connect() -> Link:
                reader, writer = await asyncio.open_connection(host, port)
                return TcpLink(reader, writer, f"{host}:{port}")

            report = await asyncio.wait_for(SimulatedDevice("poct1a-meter", connect, samples).run(), 20)
            assert report.unacknowledged == 0 and report.aborted == 0
            await wait_until(lambda: gateway.status()[0].results == 4)
        return list(driver_holder[0].acknowledged_by_device)

    acknowledged = asyncio.run(scenario())
    # ours: 1 ACK of HEL, 2 ACK of DST, 3 DTV SET_TIME, 4 REQ ROBS - the meter accepted both
    assert acknowledged[:2] == [("3", "AA"), ("4", "AA")]


# ------------------------------------------------------------------ the gateway connects to the device


def test_a_meter_dock_acting_as_the_server_is_reached_by_the_gateway_and_stored_once(tmp_path: Path) -> None:
    """Profile ``[tcp] mode = "connect"``: the dock listens, the gateway connects (and connects
    again after every disconnect); the dock still leads the conversation with HEL. Lost replies
    and disconnects make it resend as RES over a new connection: every result stored once."""
    db_path = tmp_path / "clinic.db"
    samples = generate_samples("poct1a-meter", random.Random(11), 8, qc_rate=0.2)
    faults = FaultPlan(max_chunk=41, drop_ack_rate=0.002, disconnect_rate=0.2)

    async def scenario() -> tuple[SimulationReport, DeviceStatus]:
        async with DeviceServer() as dock:
            host, port = dock.address
            base = simulator_profile("poct1a-meter", "meter")
            profile = base.model_copy(
                update={
                    "tcp": TcpSettings(mode="connect", host=host, port=port),
                    "link": base.link.model_copy(update={"reply_timeout": 0.3}),
                }
            )
            # the pauses between connections shortened (0.2 s at the most, not 30 s: disconnects
            # before a whole message double it as an idle dock's do); test_reconnect_backoff tests them
            endpoint = dataclasses.replace(
                endpoint_from_profile(profile, clock=CLOCK), reopen_initial_s=0.05, reopen_max_s=0.2
            )
            assert endpoint.transport_label == f"tcp connect {host}:{port}"
            async with running_gateway([endpoint], db_path, clock=CLOCK) as gateway:
                device = SimulatedDevice(
                    "poct1a-meter",
                    dock.accept,
                    samples,
                    rng=random.Random(11),
                    faults=faults,
                    profile=profile,
                )
                report = await asyncio.wait_for(device.run(), 60)
                expected = sum(len(s.results) for s in samples)
                await wait_until(lambda: gateway.status()[0].results == expected)
                return report, gateway.status()[0]

    report, status = asyncio.run(scenario())
    assert report.unacknowledged == 0 and report.reconnects > 0 and status.sessions > 1
    keys = result_keys(db_path)
    assert len(keys) == len(set(keys)) == sum(len(s.results) for s in samples)
    assert status.quarantined == 0 and status.refused_by_device == {}

"""The gateway's link drivers (``devices.link_drivers``, ``devices.poct1a_conversation``) fed
arbitrary frames, in any chunking (hypothesis, a few seconds each).

An exception out of a driver's ``feed`` ends the session (``devices.gateway``: "session failed",
the connection closed without a word): the message is neither stored nor answered, and the device
sends it again on its next connection, for ever. So the property everywhere: a driver never raises
for device bytes; a message it hands on for storing comes before its answer, and it is answered
once - AA (CA) or, naming what and where, AE/AR (CE/CR); for HL7 every accept ACK reads back with
MSA-2 the message's MSH-10 and MSH-9 ``ACK^<its trigger>...``. Inputs: the real captures and
fixtures damaged at random (bytes changed, cut out, inserted, truncated, a piece repeated up to
2,000 times), MSH fields rewritten (escape sequences, unusual separators, MSH-15/16, MSH-18
character sets, invalid UTF-8), and POCT1-A2 values replaced (``inf``, ``nan``, ``1e999``...: the
one escape found, ``tests/devices/gateway/test_poct1a_counts.py``). For a longer local run raise
``max_examples`` in ``FAST`` (not committed)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from devices.codecs import hl7, lines
from devices.codecs.mllp import frame
from devices.link_drivers import AstmDriver, Hl7Driver, LineDriver
from devices.poct1a_conversation import Poct1aDriver
from devices.profile import DeviceProfile, load_profile
from devices.session import Received, Send
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.test_fuzz_decoders import DATA, PROFILES, TRACE_RECORDS, cut, damaged, edited
from tests.devices.codecs.wire import FakeClock, frames_for, strict_profile
from tests.devices.gateway.test_poct1a_conversation import each_stored_message_acknowledged

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROTOCOLS = {name: load_profile(name).protocol for name in PROFILES}
HL7_PROFILES = [load_profile(n) for n in PROFILES if PROTOCOLS[n] == "hl7"] + [
    strict_profile(protocol="hl7", encoding="utf-8", tolerance={"lf_segment_separator": True}),
    strict_profile(protocol="hl7", encoding="gb18030"),
]
MINDRAY = [m.split(b"\x1c")[0] for m in (DATA / "mindray-bs380.hl7").read_bytes().split(b"\x0b")[1:]]
#: MSH fields 9 to 18 as devices (and broken devices) send them
MSH_TAILS = [
    "ORU^R01|M1|P|2.5.1",
    "ORU^R30^ORU_R30|M\\F\\1|P|2.5.1|||AL|NE||UNICODE UTF-8",
    "OUL^R22^OUL_R22|S\\E\\1|P|2.7|||ER|AL",
    "ORU^R\\F\\01||T|2.3.1||||2||ASCII",
    "ORU|" + "x" * 250 + "|P|2.9|||SU",
    "ADT^A01|A1|P|2.4",
    "ACK^R01|A1|P|2.5",
    "|C1|P|2.5||||||GB18030",
    "ORU^R01|C2|P|2.5||||||~ISO IR87~ISO IR159",
    "ORU^R01|C3|P|2.5||||||UNICODE",
    "ORU^R01|C4|P|2.5||||||KLINGON",
]
BODY = "PID|1||P1\rSPM|1|SP1\rOBR|1||S1\rOBX|1|NM|GLU||5.6~5.7|mmol/L|||||F\rOBX|2|ST|NOTE||\\X0D\\\\.br\\é\r"


@st.composite
def hl7_messages(draw: st.DrawFn) -> bytes:
    """A real (Mindray) or written message, damaged: never an MLLP start or end byte inside."""
    if draw(st.booleans()):
        data = draw(st.sampled_from(MINDRAY))
    else:
        fs = draw(st.sampled_from(["|", "#", "!", "&"]))
        chars = draw(st.sampled_from(["^~\\&", "^~\\", "@$%*", "^~\\&#", "^~"]))
        text = f"MSH|{chars}|LAB|X|||20261206101500||{draw(st.sampled_from(MSH_TAILS))}\r{BODY}"
        data = text.replace("|", fs).encode(draw(st.sampled_from(["utf-8", "latin-1", "gb18030"])))
    out = edited(draw, data, b"\r\n|\\^&~#\x1b\x00\xff\xe9", 0, repeat=True)
    return out.replace(b"\x0b", b"\x0c").replace(b"\x1c", b"\x1d")


@FAST
@example(  # the ACK's MSH-9 took the trigger unescaped: "ACK^R|01", every field after it moved
    profile=HL7_PROFILES[0],
    messages=[b"MSH|^~\\&|LAB|X|||20261206101500||ORU^R\\F\\01|M1|P|2.5.1\rOBX|1|NM|GLU||5.6|mmol/L|||||F\r"],
    points=[],
)
@given(
    profile=st.sampled_from(HL7_PROFILES),
    messages=st.lists(hl7_messages(), min_size=1, max_size=3),
    points=st.lists(st.integers(0, 50_000), max_size=10),
)
def test_the_mllp_link_stores_then_answers_any_frame_and_never_raises(
    profile: DeviceProfile, messages: list[bytes], points: list[int]
) -> None:
    driver = Hl7Driver(profile, ToleranceCounter(logged=False))
    wire = b"".join(frame(m) for m in messages)
    events = [e for chunk in cut(wire, points) for e in driver.feed(chunk, 0.0)]
    stored = [e.raw for e in events if isinstance(e, Received)]
    assert stored == [m for m in messages if m in stored]  # in order, each once (ACKs are not stored)
    answered = 0
    for n, event in enumerate(events):
        if not isinstance(event, Send):
            continue
        answered += 1
        # persist before ACK: the message it answers is stored before, and answered only once
        assert sum(isinstance(e, Received) for e in events[:n]) >= answered
        assert event.data[:1] == b"\x0b" and event.data[-2:] == b"\x1c\r"
        message = next(e.raw for e in reversed(events[:n]) if isinstance(e, Received))
        _accept_reads_back(event.data[1:-2], message, profile)
    assert answered <= len(stored)


def _accept_reads_back(ack: bytes, message: bytes, profile: DeviceProfile) -> None:
    """An AA/CA reads back as an ACK: MSA-2 the message's MSH-10, MSH-9 ``ACK^`` its trigger."""
    if not re.search(rb"\rMSA.(AA|CA)", ack):
        return  # a refusal: what and where are in MSA-3/ERR, checked by the codec tests
    sent = hl7.parse_message(message, profile, ToleranceCounter(logged=False))
    read = hl7.parse_message(ack, profile, ToleranceCounter(logged=False))
    (msa,) = read.all("MSA")
    assert msa.raw(2) == sent.control_id
    kind = read.msh.raw(9).split(read.enc.component)
    trigger = sent.msh.raw(9).split(sent.enc.repeat)[0].split(sent.enc.component)[1:2]
    assert kind[0] == "ACK" and (kind[1] if len(kind) > 1 else "") == (trigger[0].strip() if trigger else "")


ASTM = sorted(n for n in PROFILES if PROTOCOLS[n] == "astm")


@FAST
@given(
    name=st.sampled_from(ASTM),
    trace=st.sampled_from(sorted(TRACE_RECORDS)),
    size=st.sampled_from([20, 64, 240]),
    damage=st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 255)), max_size=6),
    points=st.lists(st.integers(0, 20_000), max_size=15),
    late=st.booleans(),
)
def test_the_astm_link_never_raises_whatever_the_frames_and_timers(
    name: str, trace: str, size: int, damage: list[tuple[int, int]], points: list[int], late: bool
) -> None:
    clock = FakeClock()
    driver = AstmDriver(load_profile(name), clock, ToleranceCounter(logged=False))
    wire = bytearray(b"\x05" + b"".join(frames_for(TRACE_RECORDS[trace], size)) + b"\x04")
    for at, byte in damage:
        wire[at % len(wire)] = byte
    events = []
    for chunk in cut(bytes(wire), points):
        events += driver.feed(chunk, clock.now)
        if late:  # the 30 s receiver timer fires between reads
            events += driver.poll(clock.advance(31))
    events += driver.link_lost("end of test")
    assert all(e.raw for e in events if isinstance(e, Received))  # no empty message stored


@FAST
@given(
    name=st.sampled_from(sorted(n for n in PROFILES if PROTOCOLS[n] == "line")),
    raw=damaged(),
    points=st.lists(st.integers(0, 5000), max_size=20),
)
def test_a_line_link_never_raises_and_stores_each_line_as_sent(
    name: str, raw: bytes, points: list[int]
) -> None:
    profile = load_profile(name)
    driver = LineDriver(profile, ToleranceCounter(logged=False))
    events = [e for chunk in cut(raw, points) for e in driver.feed(chunk, 0.0)] + driver.link_lost("end")
    units = [u for u, _ in [*lines.LineFramer(profile.line_grammar or "nonin").feed(raw)]]
    assert [e.raw for e in events if isinstance(e, Received)][: len(units)] == units


POCT1A = load_profile("poct1a-glucose_meter")
POCT1A_MESSAGES = [
    m
    for m in re.split(rb"(?=<\?xml)", (DATA / "poct1a-glucose_meter.xml").read_bytes())
    if m.startswith(b"<?xml")
]
VALUES = [
    b"inf",
    b"nan",
    b"1e999",
    b"-1",
    b"2.5",
    b"",
    b"abc",
    b"4",
    b"0",
    b"\xe6\x97\xa5",
    b"&amp;",
    b"1" * 400,
]


@st.composite
def poct1a_messages(draw: st.DrawFn) -> bytes:
    """A message of the synthetic capture with some ``V`` values replaced."""
    data = draw(st.sampled_from(POCT1A_MESSAGES))
    values = [m.span(1) for m in re.finditer(rb'V="([^"]*)"', data)]
    for start, end in sorted(draw(st.sets(st.sampled_from(values), max_size=3)), reverse=True):
        data = data[:start] + draw(st.sampled_from(VALUES)) + data[end:]
    return data


@FAST
@given(
    messages=st.lists(poct1a_messages(), min_size=1, max_size=6),
    points=st.lists(st.integers(0, 9000), max_size=10),
)
def test_a_poct1a_conversation_never_raises_and_answers_each_stored_message_once(
    messages: list[bytes], points: list[int]
) -> None:
    driver = Poct1aDriver(POCT1A)
    events = [e for chunk in cut(b"".join(messages), points) for e in driver.feed(chunk, 0.0)]
    events += driver.poll(10_000.0)
    each_stored_message_acknowledged(events)


def test_every_protocol_with_a_link_driver_is_fuzzed_here() -> None:
    """A new protocol's driver gets a property here too (Bluetooth LE: tests/devices/ble)."""
    assert set(PROTOCOLS.values()) - {"ble"} == {"astm", "hl7", "line", "poct1a"}

"""Property tests (hypothesis): chunking never changes what is received, and corruption never
yields a wrong value - a corrupted frame is NAKed and recovered, or the message is quarantined."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.capture import CapturedMessage, read_capture
from devices.codecs.astm_link import AstmReceiver, AstmSender, MessageReceived
from devices.codecs.astm_records import decode_message
from devices.codecs.hl7 import decode_message as hl7_decode
from devices.codecs.mllp import MllpDecoder, MllpMessage, frame
from devices.profile import load_profile
from devices.results import DeviceResult
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.wire import FakeClock, records_of, session, strict_profile

TRACES = Path(__file__).parents[1] / "traces" / "data"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Wire-faithful sessions built from real trace content (<=240-character frames, CR LF).
TRACE_NAMES = [
    "sysmex-xn550",
    "abbott-afinion2",
    "siemens-dca_vantage",
    "cepheid-genexpert",
    "horiba-pentra_xlr",
]
RECORDS = {name: records_of((TRACES / f"{name}.astm").read_bytes()) for name in TRACE_NAMES}
RECORDS["horiba-pentra_xlr"] = [
    line[1:] if line[:1].isdigit() else line
    for line in records_of(
        b"".join(
            part.split(b"\x03", 1)[0]
            for part in (TRACES / "horiba-pentra_xlr.astm").read_bytes().split(b"\x02")
            if part
        )
    )
]


def strict(name: str):
    return load_profile(name).model_copy(update={"tolerance": strict_profile().tolerance})


def view(results: list[DeviceResult]) -> list[tuple[object, ...]]:
    return [
        (r.sample_id, r.patient_id, r.vendor_code, r.code, r.value, r.unit, r.status, r.qc) for r in results
    ]


def receive(chunks: list[bytes]) -> list[MessageReceived]:
    rx = AstmReceiver(strict_profile(), FakeClock())
    for c in chunks:
        rx.receive_data(c)
    out = []
    while (e := rx.next_event()) is not None:
        if isinstance(e, MessageReceived):
            out.append(e)
    return out


def cut(data: bytes, points: list[int]) -> list[bytes]:
    marks = sorted({p % (len(data) + 1) for p in points} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(marks)]


@SETTINGS
@given(name=st.sampled_from(TRACE_NAMES), points=st.lists(st.integers(0, 10_000), max_size=40))
def test_any_chunking_of_a_valid_session_yields_the_same_observations(name: str, points: list[int]) -> None:
    wire = session(RECORDS[name])
    baseline = receive([wire])
    got = receive(cut(wire, points))
    assert [m.data for m in got] == [m.data for m in baseline]
    prof = strict(name)
    assert view(decode_message(prof, got[0].data)[0]) == view(decode_message(prof, baseline[0].data)[0])


ORU = (
    b"MSH|^~\\&|Mindray|BS-380|||20240301101500||ORU^R01|M1|P|2.3.1\r"
    b"PID|1||PAT-9\rOBR|1||S-123\rOBX|1|NM|GLU^Glucose||7.8|mmol/L||H|||F\r"
)


@SETTINGS
@given(points=st.lists(st.integers(0, 1000), max_size=30))
def test_any_chunking_of_mllp_yields_the_same_messages(points: list[int]) -> None:
    stream = b"".join(frame(ORU.replace(b"M1", b"M%d" % i)) for i in range(4))
    dec = MllpDecoder()
    msgs = [e.data for c in cut(stream, points) for e in dec.feed(c) if isinstance(e, MllpMessage)]
    assert msgs == [ORU.replace(b"M1", b"M%d" % i) for i in range(4)]
    prof = load_profile("generic-hl7")
    assert all(len(hl7_decode(prof, m)[0]) == 1 for m in msgs)


def run_link(
    records: list[bytes], corrupt_at: int, new_byte: int
) -> tuple[list[MessageReceived], AstmSender]:
    """Sender -> receiver with one byte of the sender's stream corrupted once (in flight)."""
    clock = FakeClock()
    tx, rx = AstmSender(strict_profile(), clock), AstmReceiver(strict_profile(), clock)
    sent = 0
    received: list[MessageReceived] = []
    pending = tx.send(records)
    for _ in range(20_000):
        out = pending + tx.data_to_send()
        pending = b""
        if out:
            if sent <= corrupt_at < sent + len(out):
                i = corrupt_at - sent
                out = out[:i] + bytes([new_byte]) + out[i + 1 :]
            sent += len(out)
            rx.receive_data(out)
        back = rx.data_to_send()
        if back:
            tx.receive_data(back)
        while (e := rx.next_event()) is not None:
            if isinstance(e, MessageReceived):
                received.append(e)
        while tx.next_event() is not None:
            pass
        if not out and not back:
            if tx.pending == 0 and rx.state == "neutral":
                break
            deadlines = [d for d in (tx.next_deadline(), rx.next_deadline()) if d is not None]
            if not deadlines:
                break
            clock.now = max(clock.now, min(deadlines))
            rx.handle_timeout(clock.now)
            tx.handle_timeout(clock.now)
    return received, tx


@SETTINGS
@given(name=st.sampled_from(TRACE_NAMES), position=st.integers(0, 100_000), byte=st.integers(0, 255))
def test_corrupted_frame_is_naked_and_recovered_never_a_wrong_value(
    name: str, position: int, byte: int
) -> None:
    records = RECORDS[name]
    wire_len = len(session(records))
    received, tx = run_link(records, position % wire_len, byte)
    expected = b"".join(r + b"\r" for r in records)
    complete = [m for m in received if m.complete]
    assert tx.pending == 0, "the message was not delivered"
    assert [m.data for m in complete] == [expected]  # exactly once, intact
    prof = strict(name)
    good = {(r.vendor_code, r.sample_id): r.value for r in decode_message(prof, expected)[0]}
    for partial in (m for m in received if not m.complete):
        for r in decode_message(prof, partial.data)[0]:
            assert r.status != "final"  # an incomplete message never auto-feeds
            assert r.value == good.get((r.vendor_code, r.sample_id), r.value)


@SETTINGS
@given(name=st.sampled_from(TRACE_NAMES), position=st.integers(0, 100_000), byte=st.integers(0, 255))
def test_corrupted_capture_is_quarantined_or_unchanged(name: str, position: int, byte: int) -> None:
    """A capture has no resend: corruption must surface as a rejected frame or incomplete
    message, never as a different final value."""
    wire = bytearray(session(RECORDS[name]))
    i = position % len(wire)
    if wire[i] == byte:
        return
    wire[i] = byte
    prof = strict(name)
    expected = b"".join(r + b"\r" for r in RECORDS[name])
    good = {(r.vendor_code, r.sample_id): r.value for r in decode_message(prof, expected)[0]}
    for item in read_capture(prof, bytes(wire), ToleranceCounter()):
        if not isinstance(item, CapturedMessage):
            continue  # quarantined: a person sees the raw bytes and the reason
        results, _ = decode_message(prof, item.raw)
        for r in results:
            if r.status == "final":
                assert item.raw == expected
                assert r.value == good[(r.vendor_code, r.sample_id)]

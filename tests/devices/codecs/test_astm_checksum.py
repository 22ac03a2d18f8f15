"""ASTM E1381 / LIS01-A2 frame checksum on the link (checklist item 2): the sum of FN through
ETB/ETX mod 256, sent uppercase, read in either case; a wrong one NAKed and its resend accepted."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from devices.codecs.astm_frame import build_frame, checksum
from devices.codecs.astm_link import AstmReceiver, FrameRejected
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.test_astm_link import drain, messages
from tests.devices.codecs.wire import ACK, ENQ, EOT, NAK, SAMPLE, FakeClock, frames_for, strict_profile

TRACES = Path(__file__).parents[1] / "traces" / "data"


def test_checksum_matches_real_trace_frames_including_etb() -> None:
    afinion = (TRACES / "abbott-afinion2.astm").read_bytes()
    assert checksum(afinion[1 : afinion.index(b"\x03") + 1]) == b"F2"
    c111 = (TRACES / "roche-cobas_c111.astm").read_bytes()
    first_etb = c111.index(b"\x17")
    assert checksum(c111[1 : first_etb + 1]) == c111[first_etb + 1 : first_etb + 3] == b"C6"


def test_bad_checksum_is_naked_and_the_resend_accepted() -> None:
    rx = AstmReceiver(strict_profile(), FakeClock())
    frame = frames_for(SAMPLE)[0]
    corrupt = frame[:-4] + (b"00" if frame[-4:-2] != b"00" else b"01") + frame[-2:]
    rx.receive_data(ENQ + corrupt)
    assert rx.data_to_send() == ACK + NAK
    rx.receive_data(frame + EOT)
    assert rx.data_to_send() == ACK
    events = drain(rx)
    assert any(isinstance(e, FrameRejected) and "checksum mismatch" in e.reason for e in events)
    assert messages(events)[0].data == SAMPLE[0] + b"\r"


def test_a_lowercase_checksum_is_accepted_without_a_switch_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reference item 2: case-insensitive on receive. The strict profile NAKed it, and a device
    writing lowercase hex sent each such frame six times and gave the message up."""
    frames = frames_for(SAMPLE)
    wire = [f[:-4] + f[-4:-2].lower() + f[-2:] for f in frames]
    lowered = [i for i, (f, w) in enumerate(zip(frames, wire, strict=True)) if f != w]
    assert len(lowered) >= 2, "the sample needs two checksums with a letter"
    counter = ToleranceCounter()
    rx = AstmReceiver(strict_profile(), FakeClock(), counter=counter)
    with caplog.at_level(logging.WARNING, logger="devices.tolerance"):
        rx.receive_data(ENQ + b"".join(wire) + EOT)
    assert rx.data_to_send() == ACK * (1 + len(frames))
    assert messages(drain(rx))[0].data == b"".join(r + b"\r" for r in SAMPLE)
    assert counter.count("test-analyzer", "lowercase_checksum") == len(lowered)
    first = lowered[0]
    at = 1 + sum(len(f) for f in frames[:first])
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        "device test-analyzer: ASTM frame checksum sent in lowercase hex (accepted: its value is"
        f" verified), no profile switch needed: frame {first + 1} at byte {at}"
        f" ({wire[first][-4:-2].decode()}) (said once per connection)"
    ]


def test_a_wrong_checksum_in_lowercase_is_naked_and_the_resend_accepted() -> None:
    frame = build_frame(1, b"H|\\^&\r", True)
    right = int(frame[-4:-2], 16)
    wrong = b"%02x" % next(v for v in range(0xA0, 0x100) if v != right)  # a letter, lowercase
    bad = frame[:-4] + wrong + frame[-2:]
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.receive_data(ENQ + bad)
    assert rx.data_to_send() == ACK + NAK
    rx.receive_data(frame + EOT)
    assert rx.data_to_send() == ACK
    events = drain(rx)
    (rejected,) = [e for e in events if isinstance(e, FrameRejected)]
    computed = frame[-4:-2].decode()
    assert rejected.reason == f"checksum mismatch: frame says {wrong.decode()}, computed {computed}"

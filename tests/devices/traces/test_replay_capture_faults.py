"""`triage devices replay`: captures cut short, of another protocol or with link framing - what is
named, and where in the file."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.codecs.astm_frame import build_frame, split_records
from devices.profile import load_profile
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from tests.devices.traces.golden_io import DATA, RECEIVED_AT, TRACES
from triage.cli import main
from triage.intake import replay_capture

WHEN = datetime(2026, 1, 5, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def _framed(records: list[bytes]) -> bytes:
    """ENQ and one LIS01-A2 frame per record, numbered from 1, as a device sends them."""
    texts = split_records(records)
    return b"\x05" + b"".join(build_frame(i + 1, text, final) for i, (text, final) in enumerate(texts))


def test_a_capture_cut_short_is_named_and_its_partial_message_is_not_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A capture that stops after some frames of a message (no L record, no EOT after them) gave
    its results as "preliminary" observations and exit 0, where the gateway discards such a
    partial message; one cut inside a frame said "frame interrupted before ETX/ETB"; a rejected
    frame's line did not name its frame number (the gateway's NAK warning does)."""
    profile = simulator_profile("astm-analyzer", "analyzer")
    sample = sample_from_values(
        "astm-analyzer", "SIM-P1", "SIM-S1", {"glucose_random": 5.0}, observed_at=WHEN
    )
    records = astm_records(sample)
    whole = _framed(records) + b"\x04"
    assert len(replay_capture(profile, whole).observations) == 1
    cut = _framed(records[:-1])  # everything but the L record's frame
    report = replay_capture(profile, cut)
    assert report.results == [] and report.observations == [] and report.messages == 0
    [q] = report.quarantined
    assert (q.reason, q.byte_offset) == ("incomplete_message", None)
    assert q.detail.startswith(
        f"the capture ends after {len(records) - 1} frames of a message, without its L record or an EOT: "
        "the file is cut short, so the message is not used"
    )
    inside = replay_capture(profile, whole[: len(cut) + 6])  # cut inside the L record's frame
    assert [(q.byte_offset, q.detail) for q in inside.quarantined if q.reason == "bad_frame"] == [
        (len(cut), "the capture ends inside this frame (no ETX/ETB): the file is cut short")
    ]
    assert inside.observations == []
    r_record = next(i for i, r in enumerate(records) if r.startswith(b"R|"))
    corrupted = whole.replace(b"|5.0|", b"|5.9|")
    bad = [q.detail for q in replay_capture(profile, corrupted).quarantined if q.reason == "bad_frame"]
    assert bad[0].startswith(f"frame {r_record + 1}: checksum mismatch: frame says ")
    assert (
        bad[1]
        == f"frame number {r_record + 2}, expected {r_record + 1} (profile switch lenient_frame_numbers accepts)"
    )
    # through the CLI: the line says where (the end of the file) and what to do
    capture = tmp_path / "cut.astm"
    capture.write_bytes(cut)
    assert main(["devices", "replay", str(capture), "-p", "astm"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        f"{capture}: end of file: quarantined (incomplete_message): the capture ends after "
        f"{len(records) - 1} frames of a message"
    )


def test_a_capture_of_another_protocol_or_an_empty_one_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ASTM capture replayed with --protocol hl7 (no MLLP start byte, no MSH) and an empty
    capture with --protocol hl7 stopped with a traceback (zip() argument 2 is longer); an empty
    capture with any other protocol said "0 messages" and exit 0, as if all had parsed; bytes
    before the first MSH of an unframed HL7 file were dropped without a word."""
    astm = DATA / "sysmex-xn550.astm"
    assert main(["devices", "replay", str(astm), "-p", "hl7"]) == 1
    out, err = capsys.readouterr()
    size = astm.stat().st_size
    assert out == "" and "Traceback" not in err
    assert err.splitlines()[0] == (
        f"{astm}: byte 0: quarantined (bytes_outside_message): no MSH segment in {size} bytes, and no "
        "MLLP start byte 0b (is the capture HL7, and --protocol right?)"
    )
    empty = tmp_path / "empty.hl7"
    empty.write_bytes(b"")
    for protocol in ("hl7", "astm"):
        assert main(["devices", "replay", str(empty), "-p", protocol]) == 2
        assert capsys.readouterr().err == (
            f"error: {empty}: the capture is empty (nothing was recorded from the device?)\n"
        )
    logged = tmp_path / "logged.hl7"
    message = (DATA / "mindray-bs380.hl7").read_bytes().split(b"\x1c")[0].lstrip(b"\x0b")
    logged.write_bytes(b"capture started\n" + message)
    assert main(["devices", "replay", str(logged), "-p", "hl7", "--profile", "mindray-bs380"]) == 1
    out, err = capsys.readouterr()
    assert out.count("\n") > 0  # the message after the junk is read
    assert err.startswith(
        f"{logged}: byte 0: quarantined (bytes_outside_message): 16 bytes before the first MSH segment"
    )


def test_a_capture_of_another_protocol_replayed_as_astm_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    """An HL7 capture replayed with --protocol astm said 'message does not start with an H
    record: "\\u000bMSH|..."' and '1 message', where as HL7 or POCT1-A2 the line asks
    whether the capture is of that protocol: it has no STX frame and no H record at all."""
    hl7 = DATA / "mindray-bs380.hl7"
    assert main(["devices", "replay", str(hl7), "-p", "astm"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[0] == (
        f"{hl7}: byte 0: quarantined (bytes_outside_message): no H record in {hl7.stat().st_size} bytes,"
        " and no STX frame (is the capture ASTM, and --protocol right?)"
    )
    assert "0 messages, 0 results" in err


def test_replay_byte_offsets_of_a_framed_capture_point_at_the_record_in_the_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the Pentra capture is ASTM with link framing: the offsets counted from the frame holding
    # the L record (WBC at byte 1817 of a 1676-byte file)
    path = DATA / "horiba-pentra_xlr.astm"
    data = path.read_bytes()
    code = main(["devices", "replay", str(path), "-p", "astm", "--profile", "horiba-pentra_xlr"])
    _, err = capsys.readouterr()
    assert code == 1
    named = re.findall(r": byte (\d+): quarantined \(unexpected_unit\): sample S1234 test \"(\w+)\"", err)
    assert [test for _, test in named] == ["WBC", "HGB", "HCT", "PLT"]
    for offset, test in named:
        record = data[int(offset) :].split(b"\r", 1)[0]
        assert record.startswith(b"R|") and f"^^^{test}^".encode() in record, (offset, record)


@pytest.mark.parametrize(
    "trace", sorted(t for t in TRACES if t.endswith(".astm") and b"\x02" in (DATA / t).read_bytes())
)
def test_replay_every_result_offset_of_a_framed_capture_is_its_record_in_the_file(trace: str) -> None:
    data = (DATA / trace).read_bytes()
    report = replay_capture(load_profile(TRACES[trace]), data, received_at=RECEIVED_AT)
    assert report.results
    for result in report.results:
        assert result.byte_offset is not None
        record = data[result.byte_offset :].split(b"\r", 1)[0]
        assert record[:2] in (b"R|", b"O|"), (result.byte_offset, record)
        code = result.vendor_code.split("^")[0].encode()
        assert code in record, (result.byte_offset, result.vendor_code, record)


@pytest.mark.parametrize(
    ("trace", "protocol", "line"),
    [
        # STX RS tag value ... GS cc: no frame number after the STX and no ETX/ETB ever comes - not a
        # file cut short
        (
            "biomerieux-mini_vidas.raw",
            "astm",
            "byte 0: quarantined (bad_frame): no ETX/ETB after this STX up to the end of the capture, and the "
            'byte after it ("\\u001e") is no frame number (0-7): is the capture ASTM (check --protocol and '
            "--profile)?",
        ),
        # no XML message at all
        (
            "sysmex-xp100.astm",
            "poct1a",
            "byte 0: quarantined (bytes_outside_message): bytes outside a POCT1-A2 message, and no POCT1-A2 "
            "message in the capture (is the capture POCT1-A2, and --protocol right?)",
        ),
    ],
)
def test_a_real_capture_of_another_protocol_asks_about_the_protocol(
    trace: str, protocol: str, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real capture replayed with the wrong --protocol: the line says the capture may not be of
    that protocol and which options to check, as the HL7 replay does."""
    assert main(["devices", "replay", str(DATA / trace), "-p", protocol]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{DATA / trace}: {line}\n"), err


def test_an_hl7_message_of_another_type_is_named_not_handled_as_the_gateway_counts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ADT^A01 among a capture's result messages: replay said only '4 messages', where the
    gateway answers it AR and counts it not handled. The line names its byte and type; the
    results of the other messages are as before."""
    adt = b"MSH|^~\\&|MONITOR|WARD|LIS|CLINIC|20260105083000||ADT^A01|ADT-1|P|2.3.1\rPID|1||SIM-P9\r"
    results = (DATA / "mindray-bs380.hl7").read_bytes()
    capture = tmp_path / "mixed.hl7"
    capture.write_bytes(b"\x0b" + adt + b"\x1c\r" + results)
    assert main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "mindray-bs380"]) == 1  # its UA
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 4  # the four observations of the result messages
    assert (
        f"{capture}: byte 1: not handled: message type ADT^A01 is not supported: the gateway answers it AR"
        in err
    )
    assert "4 messages, 7 results" in err and "; 1 message not handled (1 ADT^A01); " in err
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "mindray-bs380", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert document["unhandled"] == [{"byte_offset": 1, "message_type": "ADT^A01"}]

"""`triage devices replay` end to end through the real CLI entry point."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.codecs.astm_frame import build_frame, split_records
from devices.profile import load_profile
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from tests.devices.traces.golden_io import DATA, RECEIVED_AT, TRACES, golden_path
from triage.cli import main
from triage.cli.devices_replay import untimed_hint
from triage.intake import replay_capture

WHEN = datetime(2026, 1, 5, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_replay_prints_observations_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "devices",
            "replay",
            str(DATA / "sysmex-xn550.astm"),
            "--protocol",
            "astm",
            "--profile",
            "sysmex-xn550",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["code"] for r in rows} == {"wbc", "hemoglobin", "hematocrit", "platelets"}
    hgb = next(r for r in rows if r["code"] == "hemoglobin")
    assert (hgb["value"], hgb["unit"], hgb["status"], hgb["sample_id"], hgb["patient_id"]) == (
        80.0,
        "g/L",
        "final",
        "27",
        "37182",
    )
    assert hgb["device_time"] == "2024-06-27T13:54:07+08:00"
    assert (
        "41 result(s): 4 observation(s), 0 for review, 37 not for triage (37 ignored); 0 quarantined" in err
    )
    assert "missing_lf_after_checksum x1" in err


#: a Roche capture whose 7 results the bundled profile leaves unmapped (quarantined, exit 1)
COBAS_C311 = [
    "devices",
    "replay",
    str(DATA / "roche-cobas_c311.astm"),
    "-p",
    "astm",
    "--profile",
    "roche-cobas_c311",
]


def test_replay_exits_1_and_reports_offsets_when_quarantined(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(COBAS_C311)
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    # the frame's text starts after its STX and frame number: byte 296 is the R record's "R"
    assert 'byte 296: quarantined (unmapped_code): sample 11625 test "685/"' in err
    assert (DATA / "roche-cobas_c311.astm").read_bytes()[296:].startswith(b"R|1|^^^685/|")


def test_strict_generic_profile_rejects_quirks_with_the_switch_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["devices", "replay", str(DATA / "horiba-yumizen_h550.astm"), "-p", "astm"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "lf_record_separator" in err


def test_replay_labels_synthetic_samples(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["devices", "replay", str(DATA / "bp-monitor.txt"), "-p", "line", "--profile", "bp-monitor"])
    _, err = capsys.readouterr()
    assert code == 0
    assert "SYNTHETIC" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", "dicom"], '--protocol must be astm, hl7, line, poct1a or ble, got "dicom"'),
        (
            ["-p", "hl7", "--profile", "sysmex-xn550"],
            'error: profile "sysmex-xn550" is for protocol "astm", not "hl7"',
        ),
        (
            ["-p", "astm", "--profile", "no-such-device"],
            "error: --profile no-such-device: unknown device profile; known: abbott-afinion2, ",
        ),
        (
            ["-p", "line", "--profile", "nonin-oximeter", "--received-at", "10:00"],
            '--received-at "10:00" is not an ISO time',
        ),
        (
            ["-p", "line", "--profile", "nonin-oximeter", "--received-at", "2026-12-05T10:00"],
            'error: --received-at "2026-12-05T10:00" needs a time zone (e.g. +08:00)',
        ),
    ],
)
def test_user_errors_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["devices", "replay", str(DATA / "sysmex-xn550.astm"), *args])
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err and "Traceback" not in err


def test_missing_file_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["devices", "replay", str(tmp_path / "none.astm"), "-p", "astm"])
    _, err = capsys.readouterr()
    assert code == 2 and "cannot read capture file" in err


def test_hl7_capture_without_mllp_framing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    framed = (DATA / "mindray-bs380.hl7").read_bytes()
    plain = framed.replace(b"\x0b", b"").replace(b"\x1c\r", b"\r")
    capture = tmp_path / "plain.hl7"
    capture.write_bytes(plain)
    code = main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "mindray-bs380"])
    out, err = capsys.readouterr()
    assert code == 1  # the unmapped UA result
    assert [json.loads(line)["code"] for line in out.splitlines()] == [
        "glucose_random",
        "creatinine",
        "total_cholesterol",
        "glucose_random",
    ]
    assert "3 message(s)" in err and "1 qc" in err


def test_bytes_outside_mllp_frames_are_quarantined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "noisy.hl7"
    capture.write_bytes(b"NOISE" + (DATA / "mindray-bs380.hl7").read_bytes())
    code = main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "mindray-bs380"])
    _, err = capsys.readouterr()
    assert code == 1 and "byte 0: quarantined (bytes_outside_frame)" in err


@pytest.mark.parametrize("trace", sorted(TRACES))
def test_every_result_is_counted_in_exactly_one_bucket(trace: str) -> None:
    """observation, for review (quarantined with its result), not for triage or a resend of an
    earlier result - never two."""
    report = replay_capture(load_profile(TRACES[trace]), (DATA / trace).read_bytes(), received_at=RECEIVED_AT)
    review = report.for_review()
    buckets = len(report.observations) + len(review) + len(report.held_back) + len(report.resends)
    assert buckets == len(report.results)
    offsets = [r.byte_offset for r, _ in report.observations]
    offsets += [q.byte_offset for q in review] + [r.byte_offset for r, _ in report.held_back]
    offsets += [r.byte_offset for r, _ in report.resends]
    assert sorted(offsets, key=str) == sorted((r.byte_offset for r in report.results), key=str)
    assert len(review) + len(report.without_result()) == len(report.quarantined)


def test_replay_summary_counts_an_unmapped_result_once(capsys: pytest.CaptureFixture[str]) -> None:
    """Each result once in the total, with every reason the gateway holds it for (the c311's
    results carry no patient id either)."""
    code = main(COBAS_C311)
    _, err = capsys.readouterr()
    assert code == 1
    summary = err.splitlines()[-1]
    assert (
        "7 result(s): 0 observation(s), 7 for review (7 no_patient, 7 unmapped_code), 0 not for triage; "
        "0 quarantined without a result" in summary
    )


def test_replay_summary_counts_what_never_became_a_result(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["devices", "replay", str(DATA / "horiba-yumizen_h550.astm"), "-p", "astm"])
    _, err = capsys.readouterr()
    assert code == 1
    assert (
        "0 result(s): 0 observation(s), 0 for review, 0 not for triage; 1 quarantined without a result" in err
    )


def test_a_resent_message_is_named_and_counted_as_the_gateway_stores_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An HL7 capture with every message sent twice (ACKs lost): the second copies' results are
    resends - the gateway acknowledges them and stores nothing - named on stderr, printed once."""
    once = (DATA / "mindray-bs380.hl7").read_bytes()
    capture = tmp_path / "twice.hl7"
    capture.write_bytes(once + once)
    assert main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "mindray-bs380"]) == 1
    out, err = capsys.readouterr()
    single = replay_capture(load_profile("mindray-bs380"), once)
    assert len(out.splitlines()) == len(single.observations) == 4  # each observation printed once
    assert err.count("): the gateway stores it once") == len(single.results) == 7
    assert "6 message(s), 14 result(s): 4 observation(s), 1 for review (1 unmapped_code), " in err
    assert "2 not for triage (1 ignored, 1 qc), 7 resend(s) of an earlier result;" in err


def _astm(patient: str, sample: str, value: str, status: str = "F") -> bytes:
    """One ASTM message (records, no link framing) of a glucose result at ``WHEN``."""
    sample_ = sample_from_values("astm-analyzer", patient, sample, {"glucose_random": 5.0}, observed_at=WHEN)
    text = b"\r".join(astm_records(sample_)) + b"\r"
    return text.replace(b"|5.0|", f"|{value}|".encode()).replace(b"||F||", f"||{status}||".encode())


def test_replay_resends_follow_the_gateways_exactly_once_rule() -> None:
    """Same key as the earlier result: a resend unless it replaces it (a correction with another
    value, a final after a preliminary); patients without a sample id at the same time are each
    their own result (the key takes the patient); a line reading has no device time, never a resend."""
    profile = simulator_profile("astm-analyzer", "analyzer")
    capture = b"".join(
        [
            _astm("SIM-P1", "SIM-S1", "5.8", "P"),
            _astm("SIM-P1", "SIM-S1", "5.8"),  # final replaces preliminary
            _astm("SIM-P1", "SIM-S1", "5.8"),  # resend
            _astm("SIM-P1", "SIM-S1", "6.1", "C"),  # correction
            _astm("SIM-P1", "SIM-S1", "6.1", "C"),  # resend of the correction
            _astm("SIM-P2", "", "7.0"),
            _astm("SIM-P3", "", "7.0"),  # another patient, no sample id, same time: not a resend
        ]
    )
    report = replay_capture(profile, capture)
    assert len(report.results) == 7
    assert [(r.byte_offset, e.byte_offset) for r, e in report.resends] == [
        (report.results[2].byte_offset, report.results[1].byte_offset),
        (report.results[4].byte_offset, report.results[3].byte_offset),
    ]
    assert [r.patient_id for r, _ in report.observations][-2:] == ["SIM-P2", "SIM-P3"]
    oximeter = (DATA / "nonin-oximeter.txt").read_bytes()
    lines = replay_capture(load_profile("nonin-oximeter"), oximeter + oximeter, received_at=RECEIVED_AT)
    assert lines.resends == [] and len(lines.results) > 0


def test_replay_reads_standard_input_and_says_how_to_replay_readings_without_a_time() -> None:
    # An integrator pipes a capture in (socat, a serial logger); a continuous oximeter sends no time.
    capture = (DATA / "ble-pulse_oximeter_continuous.txt").read_bytes()
    triage = str(Path(sys.executable).with_name("triage"))
    args = [triage, "devices", "replay", "-", "-p", "ble", "--profile", "ble-pulse_oximeter_continuous"]
    held = subprocess.run(args, input=capture, capture_output=True, check=False)
    assert held.returncode == 1 and held.stdout == b""
    err = held.stderr.decode()
    assert (
        "stdin: profile ble-pulse_oximeter_continuous" in err
        and "8 for review (8 no_patient, 8 no_time, 2 not_final), 2 not for triage (2 no_patient, 2 no_value, 2 not_final)"
        in err
    )
    # with --received-at they would still be held (no patient id): the hint says so, and does not
    # promise observations
    assert (
        "stdin: results without a device time are held for review; give --received-at (the time "
        "they arrived) to check them: they carry no patient id, so they are then held as no_patient"
    ) in err
    assert "as observations" not in err.replace("not printed as observations", "")
    timed = subprocess.run(
        [*args, "--received-at", "2026-11-20T09:16:00+08:00"], input=capture, capture_output=True
    )
    assert timed.returncode == 0, timed.stderr
    # two of the eight readings are preliminary (the oximeter marks them): held, as the gateway
    # does; and the oximeter sends no patient id, so the gateway holds the other six too ("no
    # patient link") unless a device association links it to a patient - replay printed and
    # counted them as observations. Every reason is counted, as the gateway counts them: the two
    # preliminary ones have no patient id either, nor have the two without a value, which are
    # preliminary too (10 no_patient, 4 not_final)
    assert timed.stdout == b"" and b"--received-at" not in timed.stderr
    assert b"0 observation(s)" in timed.stderr
    assert b"10 not for triage (10 no_patient, 4 not_final, 2 no_value)" in timed.stderr
    timed_err = timed.stderr.decode()
    assert "stdin: held: no patient id (a device association would link them): 6 result(s)" in timed_err
    # the readings themselves, each with the receipt time given, apart from any observation
    held = [line for line in timed_err.splitlines() if ": held (no_patient): " in line]
    assert len(held) == 6
    assert all("time 2026-11-20T09:16:00+08:00 (received: the device sent none)" in h for h in held)
    assert all(re.search(r": held \(no_patient\): (spo2|heart_rate) \d+ (%|/min), ", h) for h in held)


def test_replay_lists_the_readings_held_for_no_patient_id(capsys: pytest.CaptureFixture[str]) -> None:
    # An integrator replays a BP monitor's capture to check the wiring: the monitor sends no
    # patient id, so nothing is an observation - but its readings are listed as held, with their
    # code, value, unit and device time, and stdout (observations only) stays empty.
    code = main(["devices", "replay", str(DATA / "bp-monitor.txt"), "-p", "line", "--profile", "bp-monitor"])
    out, err = capsys.readouterr()
    assert code == 0 and out == ""
    name = DATA / "bp-monitor.txt"
    assert f"{name}: held: no patient id (a device association would link them): 6 result(s)" in err
    held = [line.removeprefix(f"{name}: ") for line in err.splitlines() if ": held (no_patient): " in line]
    assert held[:3] == [
        'byte 0: held (no_patient): sbp 128 mm[Hg], time 2024-11-25T10:30:00+08:00, sample (none), test "SYS"',
        'byte 0: held (no_patient): dbp 82 mm[Hg], time 2024-11-25T10:30:00+08:00, sample (none), test "DIA"',
        'byte 0: held (no_patient): heart_rate 74 /min, time 2024-11-25T10:30:00+08:00, sample (none), test "PR"',
    ]
    assert len(held) == 6 and "sbp 182 mm[Hg], time 2024-11-25T10:50:00+08:00" in held[3]
    # the same readings the report keeps (and the golden file pins)
    report = replay_capture(load_profile("bp-monitor"), name.read_bytes())
    assert all(
        f"{obs.code} {obs.value:g} " in line for (_, obs), line in zip(report.unlinked, held, strict=True)
    )


def test_the_received_at_hint_says_what_would_become_an_observation() -> None:
    # untimed readings of the real oximeter trace; one line's readings given a patient id
    report = replay_capture(load_profile("nonin-oximeter"), (DATA / "nonin-oximeter.txt").read_bytes())
    untimed = report.untimed
    assert len(untimed) == 10 and not any(r.patient_id for r in untimed)
    assert "then held as no_patient" in untimed_hint(untimed)
    linked = [dataclasses.replace(r, patient_id="P1") for r in untimed]
    assert untimed_hint(linked).endswith(
        "give --received-at (the time they arrived) to replay them as observations"
    )
    mixed = linked[:4] + untimed[4:]
    assert untimed_hint(mixed).endswith(
        "to check them: the 4 with a patient id are then replayed as observations, the 6 without one "
        "held as no_patient and listed apart"
    )


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
        f"the capture ends after {len(records) - 1} frame(s) of a message, without its L record or an EOT: "
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
        f"{len(records) - 1} frame(s) of a message"
    )


def test_a_capture_of_another_protocol_or_an_empty_one_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ASTM capture replayed with --protocol hl7 (no MLLP start byte, no MSH) and an empty
    capture with --protocol hl7 stopped with a traceback (zip() argument 2 is longer); an empty
    capture with any other protocol said "0 message(s)" and exit 0, as if all had parsed; bytes
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
    record: "\\u000bMSH|..."' and '1 message(s)', where as HL7 or POCT1-A2 the line asks
    whether the capture is of that protocol: it has no STX frame and no H record at all."""
    hl7 = DATA / "mindray-bs380.hl7"
    assert main(["devices", "replay", str(hl7), "-p", "astm"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[0] == (
        f"{hl7}: byte 0: quarantined (bytes_outside_message): no H record in {hl7.stat().st_size} bytes,"
        " and no STX frame (is the capture ASTM, and --protocol right?)"
    )
    assert "0 message(s), 0 result(s)" in err


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
    "trace", ["bp-monitor.txt", "nonin-oximeter.txt", "ble-glucose_meter.txt", "sysmex-xp100.astm"]
)
def test_replay_json_keeps_the_readings_without_a_patient_apart_as_the_golden_files_do(
    trace: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # an integrator's script reads --json: the readings held for no patient id are there, under
    # the golden files' key, and never among the observations
    profile = load_profile(TRACES[trace])
    args = ["devices", "replay", str(DATA / trace), "-p", profile.protocol, "--profile", TRACES[trace]]
    main([*args, "--received-at", RECEIVED_AT.isoformat(), "--json"])
    out, _ = capsys.readouterr()
    document = json.loads(out)
    golden = json.loads(golden_path(trace).read_text())
    for key in ("observations", "observations_without_patient"):
        for record in document[key]:
            record.pop("message_id")
        assert document[key] == golden[key], key
    # every result held without a patient id is counted no_patient, a preliminary one or one
    # without a value too (as the gateway counts it; not QC, nor an ignored code, which are never
    # a patient's): the final ones are the readings kept apart
    report = replay_capture(profile, (DATA / trace).read_bytes(), received_at=RECEIVED_AT)
    unlinked = sum(
        1
        for result, refusal in report.held_back
        if not result.patient_id and refusal.reason not in ("qc", "ignored")
    )
    assert document["observations_without_patient"] and document["not_for_triage"]["no_patient"] == unlinked
    assert unlinked >= len(golden["observations_without_patient"])


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


def test_a_result_without_a_sample_id_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """The real Euroimmun capture has no sample id in its O records (O.3 and O.4 empty): each of
    its 20 unmapped results said "sample ?", as if the id could not be read. It says none came."""
    trace = DATA / "euroimmun-analyzer1.astm"
    assert main(["devices", "replay", str(trace), "-p", "astm", "--profile", "euroimmun-analyzer1"]) == 1
    _, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if "(unmapped_code)" in line]
    assert len(lines) == 20
    assert all(
        'sample (none) test "SARSCOV2IGA": vendor code not in the mapping table' in line for line in lines
    )


def test_a_line_the_grammar_does_not_match_names_the_setting_to_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The real BP monitor capture replayed with the default line profile (the Nonin oximeter's):
    every line is refused, and the line says which profile setting chose the grammar - the
    integrator wiring a BP monitor otherwise sees only that lines do not match "nonin"."""
    trace = DATA / "bp-monitor.txt"
    assert main(["devices", "replay", str(trace), "-p", "line"]) == 1
    _, err = capsys.readouterr()
    refused = [line for line in err.splitlines() if "(unparseable_line)" in line]
    assert refused and all(
        line.endswith(
            "line does not match the nonin grammar (the profile's line_grammar: is it this device's?)"
        )
        for line in refused
    ), refused


def test_a_frame_the_capture_holds_again_after_its_nak_is_used_as_the_gateway_uses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A device resends a frame the gateway NAKed, so a capture of what it sent (a serial sniffer,
    either direction) holds the corrupted frame and then its resend. The gateway stores the
    message; replay dropped it whole ('message not used: frame at byte N was rejected ... and a
    capture has no resend'), 0 results where the gateway stores 21. Now the frame's resend is used
    and the bad copy named with it; a rejected frame with no resend after it still taints its message."""
    pentra = (DATA / "horiba-pentra_xlr.astm").read_bytes()
    frames = [b"\x02" + piece for piece in pentra.split(b"\x02")[1:]]
    fifth = frames[4]
    damaged = fifth.replace(b"|", b"!", 1)  # one byte changed on the line: its checksum no longer holds
    capture = tmp_path / "pentra-nak.astm"
    capture.write_bytes(b"".join(frames[:4]) + damaged + b"\x15" + b"".join(frames[4:]))
    profile = load_profile("horiba-pentra_xlr")
    report = replay_capture(profile, capture.read_bytes())
    clean = replay_capture(profile, pentra)
    assert [r.vendor_code for r in report.results] == [r.vendor_code for r in clean.results]
    assert len(report.results) == 21
    at = len(b"".join(frames[:4]))
    [bad] = report.without_result()
    assert (bad.reason, bad.byte_offset) == ("bad_frame", at)
    assert bad.detail.startswith("frame 5: checksum mismatch: frame says ")
    assert bad.detail.endswith(
        f"; the capture holds its resend (byte {at + len(damaged) + 1}), which is used"
    )
    # without the resend the message is still not used
    lost = replay_capture(profile, b"".join(frames[:4]) + damaged + b"".join(frames[5:]))
    assert lost.results == [] and any(q.reason == "incomplete_message" for q in lost.quarantined)
    assert main(["devices", "replay", str(capture), "--profile", "horiba-pentra_xlr"]) == 1
    err = capsys.readouterr().err
    assert "21 result(s)" in err and "1 quarantined without a result" in err

"""`triage devices replay` end to end through the real CLI entry point: output, exit codes,
user errors and the summary's counts (resends, held readings and damaged captures: the
neighbouring test_replay_*.py files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devices.profile import load_profile
from tests.devices.traces.golden_io import DATA, RECEIVED_AT, TRACES
from triage.cli import main
from triage.intake import replay_capture


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
    assert "41 results: 4 observations, 0 for review, 37 not for triage (37 ignored); 0 quarantined" in err
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
            'error: --received-at "10:00" is not an ISO date and time: write it as 2026-12-05T10:00:00+08:00 (with the'
            " time zone of the clock the readings arrived by)",
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
    assert "3 messages" in err and "1 qc" in err


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
        "7 results: 0 observations, 7 for review (7 no_patient, 7 unmapped_code), 0 not for triage; "
        "0 quarantined without a result" in summary
    )


def test_replay_summary_counts_what_never_became_a_result(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["devices", "replay", str(DATA / "horiba-yumizen_h550.astm"), "-p", "astm"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "0 results: 0 observations, 0 for review, 0 not for triage; 1 quarantined without a result" in err


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
    integrator wiring a BP monitor otherwise sees only that lines do not match "nonin" - and what
    a line of that grammar looks like (it did not: the docs had it)."""
    trace = DATA / "bp-monitor.txt"
    assert main(["devices", "replay", str(trace), "-p", "line"]) == 1
    _, err = capsys.readouterr()
    refused = [line for line in err.splitlines() if "(unparseable_line)" in line]
    assert refused and all(
        line.endswith(
            "line does not match the nonin grammar, SPO2=nnn HR=nnn (--- for no value; *, F or B after a"
            " value) (the profile's line_grammar: is it this device's?)"
        )
        for line in refused
    ), refused

"""`triage devices replay`: readings held for no patient id or no device time, on stderr and in
--json, as the gateway holds them."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devices.profile import load_profile
from tests.devices.traces.golden_io import DATA, RECEIVED_AT, TRACES, golden_path
from triage.cli import main
from triage.cli.devices_replay import untimed_hint
from triage.intake import replay_capture


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
    assert b"0 observations" in timed.stderr
    assert b"10 not for triage (10 no_patient, 4 not_final, 2 no_value)" in timed.stderr
    timed_err = timed.stderr.decode()
    assert "stdin: held: no patient id (a device association would link them): 6 results" in timed_err
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
    assert f"{name}: held: no patient id (a device association would link them): 6 results" in err
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

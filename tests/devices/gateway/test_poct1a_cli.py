"""`triage devices listen --profile poct1a-glucose_meter` and `triage devices simulate --kind
poct1a-meter` as real processes over loopback TCP, and `triage devices replay -p poct1a`
(checklist item 25)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.devices.gateway.devices_cli import ListenRun, listen_and_simulate, settings_file
from tests.devices.traces.golden_io import DATA
from tests.ports import free_port
from triage.cli import main


def test_a_simulated_poct1a_meter_reaches_a_listening_gateway_and_its_results_feed_triage(
    tmp_path: Path,
) -> None:
    run = listen_and_simulate(
        tmp_path,
        ["--profile", "poct1a-glucose_meter"],
        ["--kind", "poct1a-meter", "--count", "3", "--chunk", "7"],
    )
    assert "poct1a-meter: 3/3 messages acknowledged, 0 aborted tries" in run.simulate.stdout
    assert (
        sorted((r["code"], r["unit"]) for r in run.rows)
        == [("glucose_random", "mmol/L")] * 3 + [("hba1c", "%")] * 3
    )
    assert all(r["auto_feed"] and r["patient_id"].startswith("SIM-P") for r in run.rows)
    assert f"listening: poct1a-glucose_meter (poct1a) on tcp listen 127.0.0.1:{run.port}" in run.stderr
    assert "poct1a-glucose_meter: 3 messages; 6 new results stored (6 for triage, 0 held)" in run.stderr


def test_replay_of_the_synthetic_capture_says_it_is_synthetic_and_keeps_qc_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    capture = str(DATA / "poct1a-glucose_meter.xml")
    assert main(["devices", "replay", capture, "-p", "poct1a", "--profile", "poct1a-glucose_meter"]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["code"], r["value"], r["unit"]) for r in rows][-2:] == [
        ("hba1c", 8.9, "%"),
        ("glucose_random", 6.21669627, "mmol/L"),  # 112 mg/dL, converted by triage
    ]
    # the RES resend is named and counted once, as the gateway stores it: 4 + 1 QC stored, 1 resend
    assert "[profile sample data is SYNTHETIC]: 9 messages, 6 results: 4 observations" in err
    assert "1 not for triage (1 qc), 1 resend of an earlier result;" in err
    assert "byte 2500: resend of the result at byte 1953 (sample SIM-S000001, test Glu" in err
    assert len(rows) == 4
    # the strict generic profile has no mapping table: everything is for review, exit 1
    assert main(["devices", "replay", capture, "-p", "poct1a"]) == 1
    assert "profile generic-poct1a: 9 messages, 6 results: 0 observations, 4 for review" in (
        capsys.readouterr().err
    )


def test_a_meter_dock_as_the_tcp_server_is_reached_by_listen_with_a_connect_mode_profile(
    tmp_path: Path,
) -> None:
    """`simulate --tcp-listen` plays a dock that is the server; `listen --profile` with
    ``[tcp] mode = "connect"`` connects to it: both real processes over loopback."""
    port = free_port()
    bundled = (Path(__file__).parents[3] / "devices" / "profiles" / "poct1a-glucose_meter.toml").read_text()
    profile = tmp_path / "dock.toml"
    profile.write_text(
        bundled.replace(
            '[tcp]\nmode = "listen"\nport = 5200',
            f'[tcp]\nmode = "connect"\nhost = "127.0.0.1"\nport = {port}',
        )
    )
    triage = str(Path(sys.executable).with_name("triage"))
    env = {**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))}
    dock = subprocess.Popen(
        [triage, "devices", "simulate", "--kind", "poct1a-meter", "--count", "2", "--tcp-listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    listen = subprocess.Popen(
        [triage, "devices", "listen", "--profile", str(profile), "--db", str(tmp_path / "clinic.db"), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        dock_out, dock_err = dock.communicate(timeout=60)
    finally:
        listen.send_signal(signal.SIGINT)
        out, err = listen.communicate(timeout=20)
        if dock.poll() is None:
            dock.kill()
    assert dock.returncode == 0, dock_err
    assert f"listening on 127.0.0.1:{port} for the gateway" in dock_out
    assert "poct1a-meter: 2/2 messages acknowledged" in dock_out
    assert listen.returncode == 130, err
    assert f"listening: poct1a-glucose_meter (poct1a) on tcp connect 127.0.0.1:{port}" in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert sorted(r["code"] for r in rows) == ["glucose_random", "glucose_random", "hba1c", "hba1c"]


# ------------------------------------------------------------------ operator lists


def _profile_with_operators(tmp_path: Path, operators: str | None = None) -> Path:
    """The bundled glucose meter profile with ``operator_list = "operators.csv"`` (relative to
    the profile), and that file: the SYNTHETIC sample unless ``operators`` is given."""
    bundled = (Path(__file__).parents[3] / "devices" / "profiles" / "poct1a-glucose_meter.toml").read_text()
    profile = tmp_path / "meter.toml"
    profile.write_text(
        bundled.replace('# operator_list = "operators.csv"', 'operator_list = "operators.csv"')
    )
    sample = Path(__file__).parents[3] / "devices" / "profiles" / "poct1a-operators-SYNTHETIC.csv"
    (tmp_path / "operators.csv").write_text(
        operators if operators is not None else sample.read_text("utf-8"), "utf-8"
    )
    return profile


def _listen_with_operators(tmp_path: Path, *simulate_args: str) -> ListenRun:
    """`listen` with the operator-list profile and a simulated meter sending two samples."""
    profile = _profile_with_operators(tmp_path)
    return listen_and_simulate(
        tmp_path, ["--profile", str(profile)], ["--kind", "poct1a-meter", "--count", "2", *simulate_args]
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "operator_id,name,permission_level,expires\nN1,Li Wei,1,2027-06-30\nN2,Wang Fang,1,2027-02-30\n",
            'operators.csv line 3, column 4: expires "2027-02-30" is not a date (YYYY-MM-DD, the last valid day)',
        ),
        (
            "operator_id,name,permission_level,expires\nN1,Li Wei,1,2027-06-30\nN1,Wang Fang,4,2027-06-30\n",
            'operators.csv line 3, column 1: operator_id "N1" is already on line 2',
        ),
        (
            "operator_id,name,level,expires\n",
            'operators.csv line 1, column 3: unknown column "level" '
            "(the columns are operator_id, name, permission_level, expires)",
        ),
    ],
)
def test_listen_with_a_bad_operator_list_names_the_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, message: str
) -> None:
    profile = _profile_with_operators(tmp_path, rows)
    argv = ["--config", str(settings_file(tmp_path)), "devices", "listen", "--profile", str(profile)]
    code = main([*argv, "--tcp-listen", f"127.0.0.1:{free_port()}"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err == f"error: {tmp_path / message}\n"
    (tmp_path / "operators.csv").unlink()
    assert main([*argv, "--tcp-listen", f"127.0.0.1:{free_port()}"]) == 2
    assert (
        f"error: {tmp_path / 'operators.csv'}: operator list not found (no such file)"
        in capsys.readouterr().err
    )


def test_listen_sends_the_operator_list_to_a_simulated_meter_and_says_who_was_left_out(
    tmp_path: Path,
) -> None:
    run = _listen_with_operators(tmp_path)
    assert (
        "operator lists accepted: 1; the meter holds 3 operators: "
        "SYN-N001 Zhang Min (SYNTHETIC) (level 1, until 2099-12-31); "
        "SYN-N002 王小红（虚构） (level 1, until 2099-12-31); "
        "SYN-N003 Chen & <Li> (SYNTHETIC) (level 4, until 2099-12-31)"
    ) in run.simulate.stdout
    assert (
        f"poct1a-glucose_meter: operator list {tmp_path / 'operators.csv'}: 3 operators sent to the meters; "
        "1 left out, certification expired: SYN-N004 Liu Yang (SYNTHETIC) (expired 2020-06-30)"
    ) in run.stderr
    assert len(run.rows) == 4 and "refused by the device" not in run.stderr


def test_a_meter_refusing_the_operator_list_is_counted_by_listen_and_its_results_still_arrive(
    tmp_path: Path,
) -> None:
    run = _listen_with_operators(tmp_path, "--refuse-operator-list")
    assert "poct1a-meter: 2/2 messages acknowledged" in run.simulate.stdout
    assert "operator lists accepted: 0, 1 OPL.R01 refused (fault injected); the meter holds 0 operators" in (
        run.simulate.stdout
    )
    assert "1 request refused by the device (1 OPL.R01 operator list with AE)" in run.stderr
    assert sorted(r["code"] for r in run.rows) == ["glucose_random", "glucose_random", "hba1c", "hba1c"]

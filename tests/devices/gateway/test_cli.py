"""`triage devices listen | simulate | ports`: bad options and settings say what is wrong; ports and
help screens. Device profiles are in ``test_cli_profiles.py``, real listen + simulate runs in
``test_cli_listen.py``; they share ``devices_cli.py``."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.devices.gateway.devices_cli import BAUDS, TRACES, settings_file
from tests.ports import free_port
from triage.cli import main

#: a loopback port nothing listens on: port 1 was, while another test bound it to find it busy
_CLOSED = free_port()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["devices", "simulate"],
            "give exactly one of --pty, --port PATH, --tcp HOST:PORT or --tcp-listen HOST:PORT",
        ),
        (["devices", "simulate", "--kind", "toaster", "--pty"], '--kind "toaster": choose one of'),
        (["devices", "simulate", "--pty", "--corrupt", "2"], "--corrupt 2.0: a probability, from 0 to 1"),
        (
            ["devices", "simulate", "--pty", "--drop-ack", "-0.5"],
            "--drop-ack -0.5: a probability, from 0 to 1",
        ),
        (["devices", "simulate", "--pty", "--interval", "-1"], 'Invalid value for "--interval"'),
        (["devices", "simulate", "--pty", "--wait", "-3"], 'Invalid value for "--wait"'),
        (["devices", "simulate", "--pty", "--drip", "-1"], 'Invalid value for "--drip"'),
        (["devices", "simulate", "--tcp", f"127.0.0.1:{_CLOSED}"], "cannot connect"),
        (["devices", "listen"], "nothing to listen to"),
        (
            ["devices", "listen", "--protocol", "fax", "--port", "/dev/null"],
            '--protocol "fax": choose one of',
        ),
        (  # a BLE meter is found by its profile's [ble] table: said so, not "choose one of" without it
            ["devices", "listen", "--protocol", "ble", "--tcp-listen", "127.0.0.1:0"],
            '--protocol "ble": a Bluetooth LE device is listened to through its profile, whose [ble] table'
            " says how to find it: --profile FILE, or a bundled one (e.g. --profile ble-glucose_meter)",
        ),
        (["devices", "listen", "--protocol", "astm", "--port", "a", "--tcp-listen", "b:1"], "not both"),
        (["devices", "listen", "--protocol", "hl7", "--tcp-listen", "localhost"], "expected HOST:PORT"),
        (
            ["devices", "listen", "--profile", "/nonexistent/analyzer.toml"],
            "error: --profile /nonexistent/analyzer.toml: device profile not found: no such file",
        ),
        (
            [
                "devices",
                "listen",
                "--protocol",
                "astm",
                "--port",
                "/dev/null",
                "--db",
                "/proc/none/clinic.db",
            ],
            "--db /proc/none/clinic.db: the folder /proc/none does not exist (a mistyped path?)",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["--config", str(settings_file(tmp_path)), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.timeout(30)  # without the check, listen started and ran until killed
def test_a_wire_log_folder_that_cannot_be_created_stops_listen_before_it_starts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """It was accepted, then every device connection died with a NotADirectoryError traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    argv = ["devices", "listen", "--protocol", "astm", "--tcp-listen", "127.0.0.1:0"]
    code = main(["--config", str(settings_file(tmp_path)), *argv, "--wire-log", str(blocker / "wire")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"error: wire log folder {blocker / 'wire'}: cannot create it (Not a directory); "
        "give a folder that can be written\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["listen", "--protocol", "astm", "--baud", "0"], f"--baud 0: {BAUDS}"),
        (["listen", "--protocol", "astm", "--baud", "-9600"], f"--baud -9600: {BAUDS}"),
        # rates no UART runs at: taken, and the port then read only noise
        (["listen", "--protocol", "astm", "--baud", "960"], f"--baud 960: {BAUDS}"),
        (["simulate", "--baud", "12"], f"--baud 12: {BAUDS}"),
        (
            ["listen", "--protocol", "astm", "--parity", "X"],
            "--parity X: must be N (none), E (even), O (odd), M (mark) or S (space)",
        ),
        # another tool's word: the letter to write, as a profile's serial.parity says it
        (
            ["listen", "--protocol", "astm", "--parity", "even"],
            "--parity even: must be N (none), E (even), O (odd), M (mark) or S (space): write E\n",
        ),
        (["listen", "--protocol", "astm", "--stopbits", "3"], "--stopbits 3: must be 1, 1.5 or 2"),
        (["listen", "--protocol", "astm", "--bytesize", "9"], "--bytesize 9: must be 5, 6, 7 or 8 data bits"),
        (["simulate", "--baud", "0"], f"--baud 0: {BAUDS}"),
    ],
)
def test_a_bad_serial_flag_is_named_with_the_values_it_may_take(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The port's own message named the port, not the flag: 'serial port /dev/ttyUSB0: baud rate 0
    must be positive', 'parity 'X' not one of N, E, O, M, S'."""
    code = main(
        ["--config", str(settings_file(tmp_path)), "devices", *argv, "--port", str(tmp_path / "ttyUSB0")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1 and "serial port" not in err


def test_ports_json_lists_what_pyserial_sees(capsys: pytest.CaptureFixture[str]) -> None:
    from serial.tools import list_ports

    assert main(["devices", "ports", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(p["port"] for p in listed) == sorted(p.device for p in list_ports.comports())
    # the table's column names, and the old keys device and hwid for one release
    assert all(set(p) == {"port", "by_id", "description", "hardware_id", "device", "hwid"} for p in listed)


def test_ports_json_keys_are_the_table_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table said port and hardware_id where --json said device and hwid: a script written
    from the table found no such keys."""
    from devices.transports.serial_port import SerialPortInfo
    from triage.cli import devices_ports

    found = [
        SerialPortInfo(
            "/dev/ttyUSB0", "FT232R USB UART", "USB VID:PID=0403:6001", "/dev/serial/by-id/usb-FTDI-0"
        )
    ]
    monkeypatch.setattr(devices_ports, "list_serial_ports", lambda: found)
    assert main(["devices", "ports"]) == 0
    columns = capsys.readouterr().out.splitlines()[0].split()
    assert main(["devices", "ports", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert {name: listed[name] for name in columns} == {
        "port": "/dev/ttyUSB0",
        "by_id": "/dev/serial/by-id/usb-FTDI-0",
        "description": "FT232R USB UART",
        "hardware_id": "USB VID:PID=0403:6001",
    }
    assert (listed["device"], listed["hwid"]) == ("/dev/ttyUSB0", "USB VID:PID=0403:6001")  # one release


def test_ports_table_is_aligned_like_the_other_tables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from devices.transports.serial_port import SerialPortInfo
    from triage.cli import devices_ports

    found = [
        SerialPortInfo(
            "/dev/ttyUSB0", "FT232R USB UART", "USB VID:PID=0403:6001", "/dev/serial/by-id/usb-FTDI-0"
        ),
        SerialPortInfo("/dev/ttyS0", "n/a", "n/a", None),
    ]
    monkeypatch.setattr(devices_ports, "list_serial_ports", lambda: found)
    assert main(["devices", "ports"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "\t" not in "".join(lines)
    assert lines[0].split() == ["port", "by_id", "description", "hardware_id"]
    columns = [lines[0].index(name) for name in ("by_id", "description", "hardware_id")]
    assert [lines[1].index(v) for v in ("/dev/serial/by-id/usb-FTDI-0", "FT232R", "USB VID")] == columns
    assert lines[2].split()[:2] == ["/dev/ttyS0", "-"]


def _devices_commands() -> list[tuple[list[str], Any]]:
    """(command path, click command) of `triage devices` and every command under it."""
    import typer

    import triage.cli as cli

    found: list[tuple[list[str], Any]] = []

    def walk(path: list[str], command: Any) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk([*path, name], sub)

    walk(["devices"], typer.main.get_command(cli.app).commands["devices"])  # type: ignore[attr-defined]
    return found


def test_every_devices_help_screen_shows_each_options_help_whole() -> None:
    """The help is Rich markup: "[default: the profile's, else 9600]" (--baud, --bytesize,
    --parity, --stopbits of listen) and "[tcp]" (simulate --tcp-listen) were taken for markup
    tags and vanished - "Serial baud rate ." and "(profile  mode = "connect")". As in the clinic
    commands, an argument is named in capitals (replay showed "{file}"), and --json reads
    "Print machine-readable JSON" (ports said "Machine-readable output.")."""
    import re

    from typer.testing import CliRunner

    import triage.cli as cli

    runner = CliRunner()

    def flat(text: str) -> str:
        return re.sub(r"[\s│]+", " ", text)

    for path, command in _devices_commands():
        result = runner.invoke(cli.app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        shown = flat(result.output)
        for param in [command, *command.params]:
            text = getattr(param, "help", None)
            if text:
                assert flat(text) in shown, f"{' '.join(path)} {param.name}: help not shown whole: {text!r}"
            if getattr(param, "param_type_name", "") == "argument":
                assert (param.metavar or "").isupper(), f"{' '.join(path)} {param.name}: {param.metavar!r}"
            if "--json" in getattr(param, "opts", ()):
                assert text.startswith("Print machine-readable JSON"), f"{' '.join(path)} --json: {text!r}"


def test_a_tcp_port_in_use_says_so_and_what_to_do(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """listen and simulate --tcp-listen on a port another program holds printed asyncio's "error
    while attempting to bind on address ('127.0.0.1', N): address already in use"."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        what = f"port {port} is already in use (another gateway, or another program, listens there): stop it, or give this device another port\n"
        argv = ["devices", "listen", "--protocol", "astm", "--tcp-listen", f"127.0.0.1:{port}"]
        assert main(["--config", str(settings_file(tmp_path)), *argv]) == 2
        assert capsys.readouterr().err == f"error: device device-1: cannot listen on 127.0.0.1:{port}: {what}"
        assert main(["devices", "simulate", "--tcp-listen", f"127.0.0.1:{port}"]) == 2
        assert capsys.readouterr().err == f"error: --tcp-listen 127.0.0.1:{port}: cannot listen: {what}"


def test_listen_help_says_which_line_grammar_protocol_line_reads_without_a_profile() -> None:
    """`listen --protocol line` without --profile reads the Nonin oximeter grammar: a BP monitor,
    urine strip reader, SPOTCHEM or VIDAS on it would only give unparseable lines. The help said
    just "astm, hl7, line or poct1a", so an integrator could not know a profile was needed."""
    import re

    from typer.testing import CliRunner

    import triage.cli as cli
    from triage.cli.link_flags import flag_profile

    shown = re.sub(
        r"[\s│]+",
        " ",
        CliRunner().invoke(cli.app, ["devices", "listen", "--help"], terminal_width=200).output,
    )
    grammar = flag_profile("line", "device-1").line_grammar
    assert grammar == "nonin"
    assert f"line reads the {grammar} oximeter grammar; any other line device needs its --profile" in shown


def test_no_devices_help_screen_shows_an_id_as_a_64_bit_range(capsys: pytest.CaptureFixture[str]) -> None:
    """`associations attach --help` showed --encounter as '<int range> [1<=x<=4611686018427387904]'
    (the largest record id); it reads 'ID'. A bad value still names the limit."""
    from typer.testing import CliRunner

    import triage.cli as cli
    from triage.cli.referrals import MAX_ID

    runner = CliRunner()
    for path, _command in _devices_commands():
        shown = runner.invoke(cli.app, [*path, "--help"], terminal_width=200).output
        assert str(MAX_ID)[:12] not in shown, " ".join(path)
    attach = runner.invoke(
        cli.app, ["devices", "associations", "attach", "--help"], terminal_width=200
    ).output
    assert "--encounter ID The encounter id." in " ".join(attach.replace("│", " ").split())
    assert main(["devices", "associations", "attach", "ox", "--actor", "n", "--encounter", "0"]) == 2
    assert (
        f'"--encounter": 0 is not an encounter id (a whole number from 1 to {MAX_ID})'
        in capsys.readouterr().err
    )


def test_simulate_that_cannot_connect_says_what_failed_and_what_to_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It said Python's errno text: "tcp 127.0.0.1:N: cannot connect: [Errno 111] Connect call
    failed ('127.0.0.1', N); is `triage devices listen --tcp-listen HOST:PORT` running there?"."""
    assert main(["devices", "simulate", "--kind", "hl7-monitor", "--tcp", f"127.0.0.1:{_CLOSED}"]) == 2
    assert capsys.readouterr().err == (
        f"error: --tcp 127.0.0.1:{_CLOSED}: cannot connect: nothing listens on port {_CLOSED} of 127.0.0.1 "
        "(connection refused): check the port, and that the program or device meant to listen there is "
        f"running (the gateway: `triage devices listen --protocol hl7 --tcp-listen 127.0.0.1:{_CLOSED}`)\n"
    )
    assert main(["devices", "simulate", "--tcp", "no-such-host.invalid:4000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        'error: --tcp no-such-host.invalid:4000: cannot connect: the host name "no-such-host.invalid" is not known ('
    )
    assert err.endswith("): check its spelling, or give its IP address\n") and "Errno" not in err


def test_simulate_trace_of_a_ble_capture_names_replay_not_another_kind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It said 'no astm messages found; is --kind astm-analyzer right for this capture?', though
    no kind plays BLE (pulse-oximeter, a line device, would have written its GATT lines as text)."""
    for capture in ("ble-glucose_meter.txt", "ble-weight_scale.txt"):
        for kind in ("astm-analyzer", "pulse-oximeter"):
            trace = TRACES / capture
            assert main(["devices", "simulate", "--pty", "--kind", kind, "--trace", str(trace)]) == 2
            assert capsys.readouterr().err == (
                f"error: --trace {trace}: a Bluetooth LE capture (GATT lines), which no --kind plays "
                f"(simulate has no BLE device); read it with `triage devices replay {trace} --protocol ble`\n"
            )

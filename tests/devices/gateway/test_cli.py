"""`triage devices listen | simulate | ports`: errors say what is wrong; a real listen + simulate run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from triage.cli import main

ROOT = Path(__file__).resolve().parents[3]


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
        (["devices", "simulate", "--tcp", "127.0.0.1:1"], "cannot connect"),
        (["devices", "listen"], "nothing to listen to"),
        (
            ["devices", "listen", "--protocol", "fax", "--port", "/dev/null"],
            '--protocol "fax": choose one of',
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
            "cannot open the clinic database /proc/none/clinic.db",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["--config", str(_settings(tmp_path)), *argv])
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
    code = main(["--config", str(_settings(tmp_path)), *argv, "--wire-log", str(blocker / "wire")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"error: wire log folder {blocker / 'wire'}: cannot create it (Not a directory); "
        "give a folder that can be written\n"
    )


def test_a_profile_that_is_a_folder_or_not_utf8_is_named_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Said "cannot read device profile: 'utf-8' codec can't decode byte ... in position 13: ..."."""
    gbk = tmp_path / "analyzer.toml"
    gbk.write_bytes('device_id = "化验"\n'.encode("gbk"))
    for profile, message in (
        (gbk, f"{gbk}: byte 13 is not UTF-8; save the device profile as UTF-8"),
        (tmp_path, f"{tmp_path}: is a folder; give the device profile TOML file"),
    ):
        code = main(["--config", str(_settings(tmp_path)), "devices", "listen", "--profile", str(profile)])
        assert code == 2
        assert capsys.readouterr().err == f"error: --profile {message}\n"


def test_an_unknown_profile_name_is_named_as_typed_with_the_known_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from devices.profile import PROFILE_DIR, bundled_profile_names

    code = main(["--config", str(_settings(tmp_path)), "devices", "listen", "--profile", "sysmex-xn999"])
    err = capsys.readouterr().err
    known = ", ".join(bundled_profile_names())
    assert code == 2
    assert err == f"error: --profile sysmex-xn999: unknown device profile; known: {known}\n"
    assert str(PROFILE_DIR) not in err and "sysmex-xn550, sysmex-xp100" in known


BAUDS = (
    "e.g. 9600 (LIS01-A2 devices: 1200, 2400, 4800 or 9600; 19200 or 38400 optional; see the device's manual)"
)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["listen", "--protocol", "astm", "--baud", "0"],
            f"--baud 0: must be a positive number of bits per second, {BAUDS}",
        ),
        (["listen", "--protocol", "astm", "--baud", "-9600"], "--baud -9600: must be a positive number"),
        (
            ["listen", "--protocol", "astm", "--parity", "X"],
            "--parity X: must be N (none), E (even), O (odd), M (mark) or S (space)",
        ),
        (["listen", "--protocol", "astm", "--stopbits", "3"], "--stopbits 3: must be 1, 1.5 or 2"),
        (["listen", "--protocol", "astm", "--bytesize", "9"], "--bytesize 9: must be 5, 6, 7 or 8 data bits"),
        (["simulate", "--baud", "0"], f"--baud 0: must be a positive number of bits per second, {BAUDS}"),
    ],
)
def test_a_bad_serial_flag_is_named_with_the_values_it_may_take(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The port's own message named the port, not the flag: 'serial port /dev/ttyUSB0: baud rate 0
    must be positive', 'parity 'X' not one of N, E, O, M, S'."""
    code = main(["--config", str(_settings(tmp_path)), "devices", *argv, "--port", str(tmp_path / "ttyUSB0")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1 and "serial port" not in err


def test_a_bad_serial_setting_in_a_profile_names_the_file_the_key_and_the_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """[serial] baud = 0 was accepted, and listen then stopped with the port's message ('serial
    port /dev/ttyUSB0: baud rate 0 must be positive'), naming neither the file nor the key;
    pydantic's messages did not say what the file held."""
    from devices.profile import PROFILE_DIR

    generic = (PROFILE_DIR / "generic-astm.toml").read_text()
    profile = tmp_path / "analyzer.toml"
    for setting, message in (
        ("baud = 0", f"serial.baud: must be a positive number of bits per second, {BAUDS} (got 0)"),
        ('parity = "X"', 'serial.parity: Input should be "N", "E", "O", "M" or "S" (got "X")'),
        ("stopbits = 3", "serial.stopbits: must be 1, 1.5 or 2 (got 3)"),
        ("bytesize = 9", "serial.bytesize: Input should be 5, 6, 7 or 8 (got 9)"),
    ):
        key = setting.split(" ", 1)[0]
        profile.write_text(
            "\n".join(setting if line.startswith(f"{key} =") else line for line in generic.splitlines())
        )
        code = main(["--config", str(_settings(tmp_path)), "devices", "listen", "--profile", str(profile)])
        assert code == 2
        assert capsys.readouterr().err == f"error: --profile {profile}: invalid device profile: {message}\n"


@pytest.mark.parametrize(
    ("table", "setting", "message"),
    [
        (
            "serial",
            'baud = "9600"',
            'serial.baud: must be a whole number, not text: write it without quotes (got "9600")',
        ),
        ("serial", "baud = 9600.5", "serial.baud: must be a whole number (got 9600.5)"),
        (
            "serial",
            'xonxoff = "yes"',
            'serial.xonxoff: must be true or false, not text: write it without quotes (got "yes")',
        ),
        ("serial", "rtscts = 1", "serial.rtscts: must be true or false (got 1)"),
        (
            "serial",
            "bytesize = 8.0",
            "serial.bytesize: must be 5, 6, 7 or 8 data bits, a whole number (got 8.0)",
        ),
        (
            "link",
            'reply_timeout = "15"',
            'link.reply_timeout: must be a number, not text: write it without quotes (got "15")',
        ),
        (
            "tolerance",
            'lowercase_checksum = "on"',
            "tolerance.lowercase_checksum: must be true or false, not text",
        ),
        (
            "astm",
            'test_code_components = ["4"]',
            "astm.test_code_components.0: must be a whole number, not text",
        ),
        (
            "clock",
            'max_ahead = "600"',
            "clock.max_ahead: must be a number, not text: write it without quotes",
        ),
    ],
)
def test_a_quoted_number_or_switch_in_a_profile_is_refused_naming_the_file_the_table_and_the_key(
    table: str, setting: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """baud = "9600", xonxoff = "yes", rtscts = 1 were read as 9600 and true: a quoted value (or a
    setting copied from another tool) is often a typo the profile author should see, and "yes"
    or 1 for a switch hid which of the two was meant."""
    from devices.profile import PROFILE_DIR

    lines = (PROFILE_DIR / "generic-astm.toml").read_text().splitlines()
    key = setting.split(" ", 1)[0]
    lines = [line for line in lines if not line.startswith(f"{key} =")]
    if f"[{table}]" in lines:
        lines.insert(lines.index(f"[{table}]") + 1, setting)
    else:
        lines += [f"[{table}]", setting]
    profile = tmp_path / "analyzer.toml"
    profile.write_text("\n".join(lines) + "\n")
    code = main(["--config", str(_settings(tmp_path)), "devices", "listen", "--profile", str(profile)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"error: --profile {profile}: invalid device profile: {message}"), err
    assert err.count("\n") == 1


TRACES = ROOT / "tests" / "devices" / "traces" / "data"


@pytest.mark.timeout(60)  # without the check, listen with a connect-mode profile ran on
@pytest.mark.parametrize(
    ("bundled", "trace", "table", "setting", "message"),
    [
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            "astm",
            'sample_id_fields = ["O3"]',
            'astm.sample_id_fields: "O3" is not a field of the O record: write "O.N", N from 2',
        ),
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            "astm",
            'patient_id_fields = ["O.3"]',
            'astm.patient_id_fields: "O.3" is not a field of the P record: write "P.N"',
        ),
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            "astm",
            "test_code_components = [0]",
            "astm.test_code_components: must list R.3 component numbers counted from 1, e.g. [4] (got [0])",
        ),
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            "link",
            "receive_timeout = 0",
            "link.receive_timeout: Input should be greater than 0 (got 0)",
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "hl7",
            'end_bytes = "1c0g"',
            'hl7.end_bytes: must be the bytes that end an MLLP frame, in hex, e.g. "1c0d" (FS CR) (got "1c0g")',
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "hl7",
            "start_byte = 300",
            "hl7.start_byte: Input should be less than or equal to 255 (got 300)",
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "hl7",
            'charset_default = "UNICODE UTF-8"',
            "hl7.charset_default: is not read: a message without MSH-18 is decoded with the profile's "
            "top-level encoding",
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "tcp",
            'mode = "connect"',
            'tcp: mode "connect" needs host: the address of the device (or its dock) to connect to',
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "",
            'ignored_codes = ["ALT", "GLU"]',
            '(top level): ignored_codes and [mapping] both name "GLU": keep each code in one',
        ),
        (
            "nonin-oximeter",
            "nonin-oximeter.txt",
            "",
            'line_skip_patterns = ["[abc"]',
            'line_skip_patterns: "[abc" is not a regular expression: unterminated character set',
        ),
    ],
)
def test_a_profile_key_the_codecs_cannot_use_is_refused_when_the_profile_is_read(
    bundled: str,
    trace: str,
    table: str,
    setting: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """These were accepted, then replay (and the gateway, at the device's first message) stopped
    with a traceback ("O3", "1c0g", 300, "[abc"), or worked silently wrong: component 0 gave every
    test of a message one code, so all but the first were taken for resends and not stored; a
    zero timer ended every session at once; charset_default was never read; a connect-mode
    device without a host was sought at 0.0.0.0; a code both ignored and mapped was mapped."""
    from devices.profile import PROFILE_DIR

    text = (PROFILE_DIR / f"{bundled}.toml").read_text()
    key = setting.split(" ", 1)[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key} =")]
    # a top-level key goes before the first table; a table key in its own (new or existing) table
    if table and f"[{table}]" in lines:
        lines.insert(lines.index(f"[{table}]") + 1, setting)
    elif table:
        lines += [f"[{table}]", setting]
    else:
        lines.insert(next(i for i, line in enumerate(lines) if line.startswith("[")), setting)
    profile = tmp_path / "device.toml"
    profile.write_text("\n".join(lines) + "\n")
    protocol = "line" if trace.endswith(".txt") else trace.rsplit(".", 1)[1]
    for argv in (
        ["devices", "replay", str(TRACES / trace), "-p", protocol, "--profile", str(profile)],
        ["devices", "listen", "--profile", str(profile)],
    ):
        code = main(["--config", str(_settings(tmp_path)), *argv])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.startswith(f"error: --profile {profile}: invalid device profile: {message}")
        assert err.count("\n") == 1


def test_ports_json_lists_what_pyserial_sees(capsys: pytest.CaptureFixture[str]) -> None:
    from serial.tools import list_ports

    assert main(["devices", "ports", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(p["device"] for p in listed) == sorted(p.device for p in list_ports.comports())
    assert all(set(p) == {"device", "description", "hwid", "by_id"} for p in listed)


def test_ports_table_is_aligned_like_the_other_tables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from devices.transports.serial_port import SerialPortInfo
    from triage.cli import devices_link

    found = [
        SerialPortInfo(
            "/dev/ttyUSB0", "FT232R USB UART", "USB VID:PID=0403:6001", "/dev/serial/by-id/usb-FTDI-0"
        ),
        SerialPortInfo("/dev/ttyS0", "n/a", "n/a", None),
    ]
    monkeypatch.setattr(devices_link, "list_serial_ports", lambda: found)
    assert main(["devices", "ports"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "\t" not in "".join(lines)
    assert lines[0].split() == ["port", "by_id", "description", "hardware_id"]
    columns = [lines[0].index(name) for name in ("by_id", "description", "hardware_id")]
    assert [lines[1].index(v) for v in ("/dev/serial/by-id/usb-FTDI-0", "FT232R", "USB VID")] == columns
    assert lines[2].split()[:2] == ["/dev/ttyS0", "-"]


def _settings(tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n[database]\npath = "{tmp_path / "clinic.db"}"\n')
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listen_process(tmp_path: Path, port: int, *args: str) -> subprocess.Popen[bytes]:
    """``triage devices listen ARGS`` on a loopback port, as a real process."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("triage")),
            "devices",
            "listen",
            *args,
            "--tcp-listen",
            f"127.0.0.1:{port}",
            "--db",
            str(tmp_path / "clinic.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TRIAGE_CONFIG": str(_settings(tmp_path))},
        cwd=tmp_path,
    )


def _listen_hl7(tmp_path: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    """``triage devices listen`` for one HL7 device on a loopback port, as a real process."""
    return listen_process(tmp_path, port, "--protocol", "hl7", *extra)


def simulate_when_listening(tmp_path: Path, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    """``triage devices simulate ARGS --tcp 127.0.0.1:PORT``, tried again while the listener is
    still importing and binding; asserts it exited 0."""
    simulate = None
    for _ in range(100):
        simulate = subprocess.run(
            [
                str(Path(sys.executable).with_name("triage")),
                "devices",
                "simulate",
                *args,
                "--tcp",
                f"127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "TRIAGE_CONFIG": str(_settings(tmp_path))},
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        if simulate.returncode == 0 or "cannot connect" not in simulate.stderr + simulate.stdout:
            break
        time.sleep(0.2)
    assert simulate is not None and simulate.returncode == 0, simulate.stderr if simulate else ""
    return simulate


@dataclass(frozen=True)
class ListenRun:
    port: int
    simulate: subprocess.CompletedProcess[str]
    rows: list[dict[str, Any]]  # what listen --json printed
    stderr: str  # listen's


def listen_and_simulate(tmp_path: Path, listen_args: list[str], simulate_args: list[str]) -> ListenRun:
    """``triage devices listen LISTEN_ARGS --json`` and ``triage devices simulate SIMULATE_ARGS``
    as real processes over a loopback port; the listener stopped with Ctrl-C (SIGINT), exit 130."""
    port = _free_port()
    listen = listen_process(tmp_path, port, *listen_args, "--json")
    try:
        simulate = simulate_when_listening(tmp_path, port, *simulate_args)
        time.sleep(0.3)
    finally:
        listen.send_signal(signal.SIGINT)
        out, err = listen.communicate(timeout=20)
    assert listen.returncode == 130, err
    rows = [json.loads(line) for line in out.decode().splitlines()]
    return ListenRun(port, simulate, rows, err.decode())


def test_listen_and_simulate_over_tcp_end_to_end(tmp_path: Path) -> None:
    run = listen_and_simulate(
        tmp_path,
        ["--protocol", "hl7", "--wire-log", str(tmp_path / "wire")],
        ["--kind", "hl7-monitor", "--count", "3", "--chunk", "5", "--seed", "4"],
    )
    assert "3/3 messages acknowledged" in run.simulate.stdout
    rows, stderr, port = run.rows, run.stderr, run.port
    assert len(rows) == 18  # 3 samples x 6 vital signs
    assert {r["hold_reason"] for r in rows} == {'device test code "SBP" is not mapped to the vocabulary'} | {
        f'device test code "{c}" is not mapped to the vocabulary' for c in ("DBP", "HR", "SPO2", "RR", "TEMP")
    }
    assert f"listening: device-1 (hl7) on tcp listen 127.0.0.1:{port}" in stderr
    assert "wire log (contains patient data)" in stderr
    # No mapping table: every result is new and held as unmapped, counted once (not also quarantined).
    assert (
        "device-1: 3 messages; 18 new results stored (0 for triage, 18 held: 18 code not mapped); "
        "0 duplicate results not stored again; 0 quarantined without a result"
    ) in stderr
    assert list((tmp_path / "wire" / "device-1").glob("*.wire.log"))


def test_listen_stops_on_sigterm_with_its_counts(tmp_path: Path) -> None:
    """systemd, docker stop and kill send SIGTERM: the gateway stops as on Ctrl-C - links closed,
    the per-device counts printed, exit 0 - instead of dying silently."""
    port = _free_port()
    listen = _listen_hl7(tmp_path, port)
    try:
        deadline = time.monotonic() + 60
        while True:  # bound and serving once a connection is accepted
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert listen.poll() is None and time.monotonic() < deadline, "listen did not start"
                time.sleep(0.1)
        time.sleep(0.3)
    finally:
        listen.send_signal(signal.SIGTERM)
        _, err = listen.communicate(timeout=20)
    stderr = err.decode()
    assert listen.returncode == 0, stderr
    assert "stopped (SIGTERM)" in stderr and "Traceback" not in stderr
    assert "device-1: 0 messages; 0 new results stored" in stderr


def test_listen_with_a_profile_and_port_keeps_the_profiles_serial_settings(tmp_path: Path) -> None:
    """--port replaced the profile's whole [serial] table with the flags' defaults: a device at
    19200 baud, 2 stop bits and XON/XOFF was opened at 9600 8N1 (its bytes line noise), though
    '[serial] has no port; set it or pass --port' sends the integrator to exactly that."""
    import termios

    from devices.profile import PROFILE_DIR

    master, slave = os.openpty()
    slave_path = os.ttyname(slave)
    before = termios.tcgetattr(slave)[4]
    generic = (PROFILE_DIR / "generic-astm.toml").read_text()
    profile = tmp_path / "analyzer.toml"
    profile.write_text(
        generic.replace("baud = 9600", "baud = 19200").replace("stopbits = 1", "stopbits = 2")
        + "\nxonxoff = true\n"  # the [serial] table is the file's last
    )
    argv = [
        "devices",
        "listen",
        "--profile",
        str(profile),
        "--port",
        slave_path,
        "--db",
        str(tmp_path / "c.db"),
    ]
    listen = subprocess.Popen(
        [str(Path(sys.executable).with_name("triage")), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TRIAGE_CONFIG": str(_settings(tmp_path))},
    )
    try:
        deadline = time.monotonic() + 60
        while (attrs := termios.tcgetattr(slave))[4] == before:  # until the gateway opens the port
            assert listen.poll() is None and time.monotonic() < deadline, "listen did not open the port"
            time.sleep(0.1)
        time.sleep(0.2)
        attrs = termios.tcgetattr(slave)
    finally:
        listen.send_signal(signal.SIGTERM)
        listen.communicate(timeout=20)
        os.close(master)
        os.close(slave)
    assert attrs[4] == termios.B19200 and attrs[2] & termios.CSTOPB and attrs[0] & termios.IXON


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


@pytest.mark.timeout(60)  # without the check, listen started on the profile's port
@pytest.mark.parametrize(
    ("bundled", "trace", "edit", "message"),
    [
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            ('code = "wbc"', 'code = "wbcc"'),
            'mapping.WBC.code: unknown observation code "wbcc"; known codes: albumin_creatinine_ratio, ',
        ),
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            ('unit = "10*9/L"', 'unit = "10*9/LL"'),
            'mapping.WBC.unit: wbc: unit "10*9/LL" is not accepted; use one of: 10*9/L',
        ),
        (
            "urine-strip",
            "urine-strip.txt",
            ('"TR" = "trace"', '"TR" = "traces"'),
            'mapping.GLU.answers: "traces" is not an answer of urine_glucose (one of: neg, trace, 1+, ',
        ),
    ],
)
def test_a_mapping_table_naming_what_triage_does_not_know_is_refused_when_the_profile_is_read(
    bundled: str,
    trace: str,
    edit: tuple[str, str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A typo in a [mapping] code, unit or answer was accepted: replay quarantined every result
    of that test ("unknown observation code 'wbcc'") and listen ran, each such result held for
    review, found only when the device sent that test."""
    from devices.profile import PROFILE_DIR

    text = (PROFILE_DIR / f"{bundled}.toml").read_text()
    assert edit[0] in text
    profile = tmp_path / "device.toml"
    profile.write_text(text.replace(edit[0], edit[1], 1))
    protocol = "line" if trace.endswith(".txt") else trace.rsplit(".", 1)[1]
    for argv in (
        ["devices", "replay", str(TRACES / trace), "-p", protocol, "--profile", str(profile)],
        ["devices", "listen", "--profile", str(profile), "--tcp-listen", f"127.0.0.1:{_free_port()}"],
    ):
        code = main(["--config", str(_settings(tmp_path)), *argv])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.startswith(f"error: --profile {profile}: invalid device profile: {message}")
        assert err.count("\n") == 1


def test_a_tcp_port_in_use_says_so_and_what_to_do(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """listen and simulate --tcp-listen on a port another program holds printed asyncio's "error
    while attempting to bind on address ('127.0.0.1', N): address already in use"."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        what = f"port {port} is already in use (another gateway, or another program, listens there): stop it, or give this device another port\n"
        argv = ["devices", "listen", "--protocol", "astm", "--tcp-listen", f"127.0.0.1:{port}"]
        assert main(["--config", str(_settings(tmp_path)), *argv]) == 2
        assert capsys.readouterr().err == f"error: device device-1: cannot listen on 127.0.0.1:{port}: {what}"
        assert main(["devices", "simulate", "--tcp-listen", f"127.0.0.1:{port}"]) == 2
        assert capsys.readouterr().err == f"error: --tcp-listen 127.0.0.1:{port}: cannot listen: {what}"


def test_simulate_json_gives_the_counts_and_the_pty_as_json(tmp_path: Path) -> None:
    """simulate was the one devices command without --json (listen, ports and associations have
    it; replay prints JSON): a script had to parse '3/3 messages acknowledged, ...'."""
    run = listen_and_simulate(
        tmp_path, ["--protocol", "astm"], ["--kind", "astm-analyzer", "--count", "3", "--json"]
    )
    assert len(run.rows) > 0
    [counts] = [json.loads(line) for line in run.simulate.stdout.splitlines()]
    assert counts == {
        "kind": "astm-analyzer",
        "messages": 3,
        "acknowledged": 3,
        "lines_written": None,
        "aborted_tries": 0,
        "reconnects": 0,
        "synthetic": True,
        "operator_lists_accepted": 0,
        "operator_lists_refused": 0,
        "operators": [],
    }
    # a pty: its path first (the gateway is to open it), then the counts; a line device is never
    # acknowledged, so it counts the lines it wrote
    simulate = subprocess.run(
        [
            str(Path(sys.executable).with_name("triage")),
            "devices",
            "simulate",
            "--kind",
            "pulse-oximeter",
            "--pty",
            "--count",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    first, last = (json.loads(line) for line in simulate.stdout.splitlines())
    assert set(first) == {"pty"} and first["pty"].startswith("/dev/")
    assert (last["kind"], last["acknowledged"], last["lines_written"]) == ("pulse-oximeter", None, 2)


@pytest.mark.timeout(30)  # without the check, the HL7 text was sent as ASTM records for ever
def test_simulate_refuses_a_trace_of_another_protocol_than_its_kind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An HL7 capture played with --kind astm-analyzer was taken for an unframed ASTM record dump
    and sent as one message no receiver accepts (it has no H record)."""
    hl7 = TRACES / "mindray-bs380.hl7"
    assert main(["devices", "simulate", "--kind", "astm-analyzer", "--trace", str(hl7), "--pty"]) == 2
    assert capsys.readouterr().err == (
        f"error: --trace {hl7}: no astm messages found; is --kind astm-analyzer right for this capture?\n"
    )


def test_two_devices_of_one_gateway_on_one_tcp_port_are_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The second device's listener failed with "port N is already in use (another gateway, or
    another program, listens there)" - it was this gateway's first device; serial ports were
    already checked so."""
    port = _free_port()
    profiles = []
    for device, protocol in (("analyzer", "astm"), ("monitor", "hl7")):
        profile = tmp_path / f"{device}.toml"
        profile.write_text(f'device_id = "{device}"\nprotocol = "{protocol}"\n[tcp]\nport = {port}\n')
        profiles += ["--profile", str(profile)]
    assert main(["--config", str(_settings(tmp_path)), "devices", "listen", *profiles]) == 2
    assert capsys.readouterr().err == (
        f"error: devices analyzer and monitor both listen on TCP port {port}; give each device its own port ([tcp] port)\n"
    )


def test_listen_says_listening_only_once_the_serial_port_is_open(tmp_path: Path) -> None:
    """listen printed "listening: ... on serial PATH" while the port could not be opened (the
    adapter unplugged, a typo in the path): the integrator read it as ready. It now says the port
    is not open and why, and prints "listening" when the port appears (here: the path is made a
    link to a pty after listen started)."""
    import threading

    from devices.transports.pty import open_pty

    path = tmp_path / "ttyANALYZER"
    listen = subprocess.Popen(
        [str(Path(sys.executable).with_name("triage")), "devices", "listen", "--protocol", "astm",
         "--port", str(path), "--db", str(tmp_path / "clinic.db")],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TRIAGE_CONFIG": str(_settings(tmp_path))},
        cwd=tmp_path,
    )  # fmt: skip
    lines: list[str] = []
    stream = listen.stderr
    assert stream is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True)
    reader.start()

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 30
        while not any(text in line for line in lines) and time.monotonic() < deadline:
            assert listen.poll() is None, "".join(lines)
            time.sleep(0.05)
        assert any(text in line for line in lines), "".join(lines)

    pty = open_pty()
    try:
        wait_for("press Ctrl-C to stop")
        (not_yet,) = [line for line in lines if line.startswith("not listening yet")]
        assert not_yet.startswith(
            f"not listening yet: device-1 (astm): cannot open serial port {path}: no such port"
        )
        assert not any(line.startswith("listening:") for line in lines), "".join(lines)
        path.symlink_to(pty.slave_path)
        wait_for(f"listening: device-1 (astm) on serial {path} 9600 8N1")
    finally:
        listen.send_signal(signal.SIGTERM)
        listen.wait(20)
        reader.join(5)
        asyncio.run(pty.close())
    assert listen.returncode == 0, "".join(lines)


@pytest.mark.parametrize("ignored", [False, True], ids=["sigint-default", "sigint-ignored"])
@pytest.mark.parametrize(
    ("argv", "ready"),
    [
        (["listen", "--protocol", "hl7", "--tcp-listen", "127.0.0.1:0"], "press Ctrl-C to stop"),
        (["simulate", "--tcp-listen", "127.0.0.1:0", "--count", "1"], "listening on 127.0.0.1:"),
    ],
    ids=["listen", "simulate"],
)
def test_ctrl_c_stops_listen_and_simulate_with_130_as_it_stops_serve(
    argv: list[str], ready: str, ignored: bool, tmp_path: Path
) -> None:
    """listen ended with 0 on Ctrl-C while `triage serve` ends with 130 (128 + SIGINT): a script
    could not tell "stopped" from "done". And started from a script with SIGINT ignored (`triage
    devices listen &`), Ctrl-C or kill -INT did nothing: the command ran on. Both now stop with
    130, listen after its counts."""
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("triage")), "devices", *argv, "--db", str(tmp_path / "c.db")]
        if argv[0] == "listen"
        else [str(Path(sys.executable).with_name("triage")), "devices", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TRIAGE_CONFIG": str(_settings(tmp_path))},
        cwd=tmp_path,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN if ignored else signal.SIG_DFL),
    )
    stream = process.stderr if argv[0] == "listen" else process.stdout
    assert stream is not None
    seen = ""
    try:
        while ready not in seen:
            line = stream.readline()
            assert line, f"stopped early: {seen}"
            seen += line
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, seen + out + err
    assert "stopped (Ctrl-C)" in err and "Traceback" not in err
    if argv[0] == "listen":
        assert err.rstrip().splitlines()[-1].startswith("device-1: 0 messages; ")


@pytest.mark.parametrize(
    ("stop", "code"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)], ids=["sigterm", "ctrl-c"]
)
def test_stopping_listen_with_a_device_connected_prints_no_traceback(
    stop: signal.Signals, code: int, tmp_path: Path
) -> None:
    """A device is usually connected when the gateway is stopped: listen printed "stopped" and then
    a CancelledError traceback ("Exception in callback StreamReaderProtocol.connection_made...")."""
    port = _free_port()
    listen = _listen_hl7(tmp_path, port)
    assert listen.stderr is not None
    seen = b""
    try:
        while b"press Ctrl-C" not in seen:
            line = listen.stderr.readline()
            assert line, seen.decode()
            seen += line
        with socket.create_connection(("127.0.0.1", port)) as device:
            device.sendall(b"\x0bMSH|^~\\&|MONITOR")  # a message begun, not ended
            time.sleep(0.5)
            listen.send_signal(stop)
            _out, err = listen.communicate(timeout=20)
    finally:
        if listen.poll() is None:
            listen.kill()
    text = (seen + err).decode()
    assert listen.returncode == code, text
    assert "Traceback" not in text and "Exception in callback" not in text, text
    assert text.rstrip().splitlines()[-1].startswith("device-1: 0 messages; ")

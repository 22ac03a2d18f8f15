"""Real `triage devices listen` and `simulate` processes: an end-to-end run over TCP and a serial pty,
JSON counts, refused traces and ports, and stopping cleanly on SIGTERM and Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.devices.gateway.devices_cli import (
    TRACES,
    listen_and_simulate,
    listen_hl7,
    listening_port,
    settings_file,
    stderr_until_listening,
    wait_accepted,
    wait_done_with_devices,
)
from tests.ports import free_port
from triage.cli import main


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
    listen = listen_hl7(tmp_path, 0)  # it binds a free port itself and says which
    said = b""
    try:
        said = stderr_until_listening(listen)
        port = listening_port(said)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as probe:
            wait_accepted(listen, probe)  # bound and serving: a connection is accepted
        wait_done_with_devices(listen, port, tmp_path / "clinic.db")  # and its session over
    finally:
        listen.send_signal(signal.SIGTERM)
        _, err = listen.communicate(timeout=20)
    stderr = (said + err).decode()
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
        env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
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


def test_simulate_json_gives_the_counts_and_the_pty_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """simulate was the one devices command without --json (listen, ports and associations have
    it; replay prints JSON): a script had to parse '3/3 messages acknowledged, ...'. The pty run is
    the command's entry point in this process (what it prints is the question, not how a process
    starts: a process of its own cost a second of imports); the TCP one is a real process."""
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
    capsys.readouterr()
    assert main(["devices", "simulate", "--kind", "pulse-oximeter", "--pty", "--count", "2", "--json"]) == 0
    first, last = (json.loads(line) for line in capsys.readouterr().out.splitlines())
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
        f"error: --trace {hl7}: no astm messages found, so --kind astm-analyzer cannot play it; it holds"
        " hl7 messages: play it with --kind hl7-monitor\n"
    )


@pytest.mark.parametrize("capture", ["arkray-spotchem_el_se1520.raw", "biomerieux-mini_vidas.raw"])
def test_simulate_names_the_kind_that_plays_a_line_capture(
    capture: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SPOTCHEM's printer-style STX...ETX text and the mini VIDAS's RS/GS packets are line
    protocols, which --kind pulse-oximeter plays as they are (it writes each line); played as an
    analyzer the error asked 'is --kind astm-analyzer right?' and named no kind that is."""
    trace = TRACES / capture
    assert main(["devices", "simulate", "--kind", "astm-analyzer", "--trace", str(trace), "--pty"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: --trace {trace}: no astm messages found, so --kind astm-analyzer cannot play it;"
    )
    assert "play it with --kind pulse-oximeter (it writes a line capture's lines as they are" in err, err


def test_two_devices_of_one_gateway_on_one_tcp_port_are_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The second device's listener failed with "port N is already in use (another gateway, or
    another program, listens there)" - it was this gateway's first device; serial ports were
    already checked so."""
    port = free_port()
    profiles = []
    for device, protocol in (("analyzer", "astm"), ("monitor", "hl7")):
        profile = tmp_path / f"{device}.toml"
        profile.write_text(f'device_id = "{device}"\nprotocol = "{protocol}"\n[tcp]\nport = {port}\n')
        profiles += ["--profile", str(profile)]
    assert main(["--config", str(settings_file(tmp_path)), "devices", "listen", *profiles]) == 2
    assert capsys.readouterr().err == (
        f"error: devices analyzer and monitor both listen on TCP port {port}; give each device its own port ([tcp] port)\n"
    )


def test_listen_says_listening_only_once_the_serial_port_is_open(tmp_path: Path) -> None:
    """listen printed "listening: ... on serial PATH" while the port could not be opened (the
    adapter unplugged, a typo in the path): the integrator read it as ready. It now says the port
    is not open and why, and prints "listening" when the port appears (here: the path is made a
    link to a pty after listen started). It says so once: the gateway's log warned of the same
    failure above it, and of the port opening beside "listening"."""
    import threading

    from devices.transports.pty import open_pty

    path = tmp_path / "ttyANALYZER"
    listen = subprocess.Popen(
        [str(Path(sys.executable).with_name("triage")), "devices", "listen", "--protocol", "astm",
         "--port", str(path), "--db", str(tmp_path / "clinic.db")],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
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
        # said once: the gateway's log warned of the same failure above it (and of the opening)
        assert [line for line in lines if "no such port" in line] == [not_yet], "".join(lines)
        path.symlink_to(pty.slave_path)
        wait_for(f"listening: device-1 (astm) on serial {path} 9600 8N1")
        assert not any("failed tries" in line for line in lines), "".join(lines)
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
        env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
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
    listen = listen_hl7(tmp_path, 0)  # it binds a free port itself and says which
    assert listen.stderr is not None
    seen = b""
    try:
        while b"press Ctrl-C" not in seen:
            line = listen.stderr.readline()
            assert line, seen.decode()
            seen += line
        with socket.create_connection(("127.0.0.1", listening_port(seen))) as device:
            device.sendall(b"\x0bMSH|^~\\&|MONITOR")  # a message begun, not ended
            wait_accepted(listen, device)  # connected; the session then starts at once
            listen.send_signal(stop)
            _out, err = listen.communicate(timeout=20)
    finally:
        if listen.poll() is None:
            listen.kill()
    text = (seen + err).decode()
    assert listen.returncode == code, text
    assert "Traceback" not in text and "Exception in callback" not in text, text
    assert text.rstrip().splitlines()[-1].startswith("device-1: 0 messages; ")

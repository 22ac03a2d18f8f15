"""Shared by the `triage devices` CLI tests: a settings file, a free TCP port, the recorded traces,
the serial speeds an error names, and real `listen` and `simulate` processes run against each other."""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
TRACES = ROOT / "tests" / "devices" / "traces" / "data"
BAUDS = (
    "must be a standard serial rate in bits per second: 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, "
    "2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, "
    "1152000, 1500000, 2000000, 2500000, 3000000, 3500000 or 4000000 (LIS01-A2 devices: 1200, 2400, 4800 "
    "or 9600; 19200 or 38400 optional; see the device's manual)"
)


def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n[database]\npath = "{tmp_path / "clinic.db"}"\n')
    return path


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
        env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
        cwd=tmp_path,
    )


def _open_sockets(process: subprocess.Popen[bytes], wanted: Callable[[int, int, str], bool]) -> bool:
    """Whether ``process`` holds a TCP socket (one of its open files, /proc) whose local port,
    remote port and state (hex, as /proc/net/tcp writes it: 01 ESTABLISHED, 0A LISTEN) are
    ``wanted``."""
    inodes = {
        f"socket:[{fields[9]}]"
        for table in ("tcp", "tcp6")
        for fields in (
            row.split() for row in Path(f"/proc/{process.pid}/net/{table}").read_text().splitlines()[1:]
        )
        if wanted(int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16), fields[3])
    }
    for fd in Path(f"/proc/{process.pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # a file closed as it is read
            if os.readlink(fd) in inodes:
                return True
    return False


def wait_accepted(process: subprocess.Popen[bytes], device: socket.socket, timeout_s: float = 60) -> None:
    """Wait until ``process`` has accepted the connection ``device`` made (the socket is one of
    its open files, /proc), so a test stops it with the device connected - not after a guessed
    sleep, in which a loaded machine's listener had not yet accepted it."""
    local, remote = device.getsockname()[1], device.getpeername()[1]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the listener ended"
        # the listener's end of it: local port ``remote``, remote port ``local``, ESTABLISHED (01)
        if _open_sockets(process, lambda mine, theirs, state: (mine, theirs, state) == (remote, local, "01")):
            return
        time.sleep(0.01)
    raise AssertionError(f"the listener did not accept the connection within {timeout_s:g} s")


def wait_done_with_devices(
    process: subprocess.Popen[bytes], port: int, db: Path, timeout_s: float = 60
) -> None:
    """Wait until the listener ``process`` on ``port`` has ended every device's session (it holds
    no connection on that port, only its listening socket: what the device sent last, an
    acknowledgement the meter refused, is read) and handed every stored result on (none left
    undelivered in ``db``'s device_results: each one printed before it is marked delivered) - the
    events a simulator's exit does not wait for, which a guessed sleep before the stop gave time."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the listener ended"
        connected = _open_sockets(process, lambda mine, _theirs, state: mine == port and state != "0A")
        if not connected and _undelivered(db) == 0:
            return
        time.sleep(0.01)
    raise AssertionError(f"the listener did not finish with its devices within {timeout_s:g} s")


def _undelivered(db: Path) -> int | None:
    """How many stored device results the gateway has not handed on yet; None while it cannot be read."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return int(
                conn.execute("SELECT count(*) FROM device_results WHERE delivered_at IS NULL").fetchone()[0]
            )
    except sqlite3.Error:
        return None


def listen_hl7(tmp_path: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
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
            env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
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
    listen = listen_process(tmp_path, 0, *listen_args, "--json")
    try:
        said = stderr_until_listening(listen)
        port = listening_port(said)
        simulate = simulate_when_listening(tmp_path, port, *simulate_args)
        wait_done_with_devices(listen, port, tmp_path / "clinic.db")
    finally:
        listen.send_signal(signal.SIGINT)
        out, err = listen.communicate(timeout=20)
    err = said + err
    assert listen.returncode == 130, err
    rows = [json.loads(line) for line in out.decode().splitlines()]
    return ListenRun(port, simulate, rows, err.decode())


def listening_port(said: bytes) -> int:
    """The port ``listen --tcp-listen 127.0.0.1:0`` bound, from its "listening: ... on tcp listen
    HOST:PORT" line: the listener binds it itself, so no other process can take it first."""
    found = re.search(rb"^listening: .* on tcp listen 127\.0\.0\.1:(\d+);", said, re.M)
    assert found is not None, said.decode(errors="replace")
    return int(found.group(1))


def stderr_until_listening(listen: subprocess.Popen[bytes], timeout_s: float = 60) -> bytes:
    """What ``listen`` wrote on stderr up to its "listening: " line (said once its port is open),
    its end, or ``timeout_s``: a simulator started before that is refused and started again, a new
    process each time (seconds of imports on a loaded machine). Read from the descriptor itself,
    so ``communicate`` later finds the rest in order, nothing left in a buffer."""
    assert listen.stderr is not None
    fd, said = listen.stderr.fileno(), b""
    deadline = time.monotonic() + timeout_s
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while b"listening: " not in said:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break  # the listener ended: simulate_when_listening says why
            said += chunk
    return said

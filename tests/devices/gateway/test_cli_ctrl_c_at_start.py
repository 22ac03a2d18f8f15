"""Ctrl-C while `triage devices listen | simulate` is still starting, started from a script with
SIGINT ignored (`triage devices listen &`). The commands gave themselves Python's Ctrl-C handling
only once everything was set up - listen after reading its profiles, opening (and upgrading) the
clinic database and importing the service's rules: a Ctrl-C or `kill -INT` in those seconds was
ignored, and the listener then ran on for ever (found running a new log: three `kill -INT` sent
1, 2 and 3 s after the start all lost). Now the handling is the first thing each command does, so
such a Ctrl-C stops it: "aborted", exit 130.

Deterministic, no sleep: the command reads its profile (listen) or capture (simulate) from a FIFO,
so it is held at that point - the test knows it is there because a FIFO opens for writing without
waiting only once its reader has opened it - and is sent SIGINT there. Real processes."""

from __future__ import annotations

import contextlib
import errno
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.devices.gateway.devices_cli import TRACES, settings_file

#: each command held at the start reading its profile (listen) or capture (simulate) from a FIFO
COMMANDS = pytest.mark.parametrize(
    "argv",
    [
        ["listen", "--profile", "{fifo}", "--tcp-listen", "127.0.0.1:0", "--db", "{db}"],
        ["simulate", "--trace", "{fifo}", "--tcp-listen", "127.0.0.1:0"],
    ],
    ids=["listen", "simulate"],
)


def _writer_when_read(fifo: Path, process: subprocess.Popen[str], timeout_s: float = 60) -> int:
    """The FIFO's write end, opened once ``process`` has opened its read end (the open for
    writing fails with ENXIO until then): the process is then waiting for the FIFO's bytes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
        time.sleep(0.01)
    raise AssertionError(f"the command did not open {fifo} within {timeout_s:g} s")


def _as_a_scripts_background_job() -> None:
    """The child's signals as a script's ``&`` leaves them: SIGINT ignored, and no signal blocked
    (a pytest-xdist worker's thread may hold some blocked, and a child inherits its mask: two
    clean-clone runs lost the Ctrl-C once each, held at the FIFO read with no word)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def _ctrl_c(process: subprocess.Popen[str], within_s: float = 30) -> tuple[str, str]:
    """Ctrl-C sent to ``process`` held at the FIFO read, again each second until it ends (a
    command that ignores Ctrl-C there - the bug - ignores every one); its output, or a failure
    naming its signal state if it never ends."""
    deadline = time.monotonic() + within_s
    while True:
        process.send_signal(signal.SIGINT)
        try:
            return process.communicate(timeout=1)
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                status = Path(f"/proc/{process.pid}/status").read_text(encoding="utf-8")
                state = [line for line in status.splitlines() if line.startswith(("State", "Sig"))]
                raise AssertionError(f"Ctrl-C lost for {within_s:g} s: {state}") from None


def _ended(process: subprocess.Popen[str]) -> None:
    """Killed if the test left it running (the Ctrl-C lost)."""
    if process.poll() is None:
        process.kill()
        process.communicate()


@COMMANDS
def test_ctrl_c_while_starting_with_sigint_ignored_stops_the_command(argv: list[str], tmp_path: Path) -> None:
    fifo = tmp_path / "input.toml"
    os.mkfifo(fifo)
    args = [a.format(fifo=fifo, db=tmp_path / "clinic.db") for a in argv]
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("triage")), "devices", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
        cwd=tmp_path,
        preexec_fn=_as_a_scripts_background_job,
    )
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(_ended, process)
        cleanup.callback(os.close, _writer_when_read(fifo, process))
        out, err = _ctrl_c(process)
    assert process.returncode == 130, out + err
    assert err.strip().splitlines()[-1] == "aborted", err
    assert "Traceback" not in err


#: write(2)'s number in /proc/PID/syscall, by machine
_WRITE_SYSCALL = {"x86_64": "1", "aarch64": "64"}


def _full_pipe() -> tuple[int, int]:
    """A pipe whose buffer is full: a write to its write end blocks until its reader reads."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    with contextlib.suppress(BlockingIOError):
        while True:
            os.write(write_end, b"\n")
    os.set_blocking(write_end, True)
    return read_end, write_end


def _writing_stderr(process: subprocess.Popen[str]) -> bool:
    """``process`` is held in a write(2) to its standard error (fd 2)."""
    fields = Path(f"/proc/{process.pid}/syscall").read_text(encoding="ascii").split()
    return fields[:2] == [_WRITE_SYSCALL[platform.machine()], "0x2"]


def _read_to_the_end(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8").strip("\n")


@pytest.mark.skipif(
    platform.machine() not in _WRITE_SYSCALL or not Path("/proc/self/syscall").exists(),
    reason="tells the command is writing 'aborted' from /proc/PID/syscall (Linux, x86_64 or aarch64)",
)
@COMMANDS
def test_ctrl_c_again_while_it_aborts_still_ends_it_in_one_line(argv: list[str], tmp_path: Path) -> None:
    """Ctrl-C pressed twice (or a script's ``kill -INT`` sent again) at the start: the second came
    while the command was ending - in its "aborted" line, or after Python had given SIGINT back
    its default action - and ended it in a traceback (exit 1), or killed by SIGINT (a script's
    ``$?`` 130, but Python's returncode -2: the test above, resending each second, saw it about
    1 run in 6 under load). Deterministic: the command's standard error is a full pipe, so it is
    held writing "aborted" until the test reads, and the second Ctrl-C is sent there."""
    fifo = tmp_path / "input.toml"
    os.mkfifo(fifo)
    args = [a.format(fifo=fifo, db=tmp_path / "clinic.db") for a in argv]
    read_end, write_end = _full_pipe()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(os.close, read_end)
        with contextlib.closing(os.fdopen(write_end, "wb")):
            process = subprocess.Popen(
                [str(Path(sys.executable).with_name("triage")), "devices", *args],
                stdout=subprocess.DEVNULL,
                stderr=write_end,
                env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
                cwd=tmp_path,
                preexec_fn=_as_a_scripts_background_job,
            )
        cleanup.callback(_ended, process)
        cleanup.callback(os.close, _writer_when_read(fifo, process))
        deadline = time.monotonic() + 60
        while not _writing_stderr(process):  # the first Ctrl-C, again each second if it was lost
            assert process.poll() is None and time.monotonic() < deadline, "not held writing 'aborted'"
            process.send_signal(signal.SIGINT)
            for _ in range(100):
                if _writing_stderr(process):
                    break
                time.sleep(0.01)
        process.send_signal(signal.SIGINT)  # the second, while it writes "aborted"
        err = _read_to_the_end(read_end)
        process.wait(timeout=60)
    assert "Traceback" not in err, err
    assert process.returncode == 130, err
    assert err.splitlines()[-1] == "aborted", err


def _second_ctrl_c_while_writing(process: subprocess.Popen[bytes], first_sent: bool = False) -> None:
    """Ctrl-C (again each second if it was lost, unless ``first_sent``) until ``process`` is held
    writing to its full standard error, then the second one, sent there."""
    deadline = time.monotonic() + 60
    while not _writing_stderr(process):
        assert process.poll() is None and time.monotonic() < deadline, "not held writing to stderr"
        if not first_sent:
            process.send_signal(signal.SIGINT)
        first_sent = False
        for _ in range(100):
            if _writing_stderr(process):
                break
            time.sleep(0.01)
    process.send_signal(signal.SIGINT)


@pytest.mark.skipif(
    platform.machine() not in _WRITE_SYSCALL or not Path("/proc/self/syscall").exists(),
    reason="tells the command is writing 'aborted' from /proc/PID/syscall (Linux, x86_64 or aarch64)",
)
def test_ctrl_c_twice_before_a_command_takes_ctrl_c_over_ends_it_in_one_line(tmp_path: Path) -> None:
    """From the start of the process until a command gives Ctrl-C its own meaning (`listen` and
    `simulate` at their first line, then their stop), Python's handler raised KeyboardInterrupt at
    each Ctrl-C: a second one while the first's "aborted" was written - Ctrl-C pressed twice
    while the CLI is imported and the command line read (under load, a second or more), or a
    script's kill -INT sent again - ended in a traceback (exit 1), or, once Python exiting had
    given SIGINT back its default action, killed the command (returncode -2, no 130). Seen as a
    command that keeps that handler throughout: `devices replay` reading its capture from a FIFO
    (Ctrl-C not ignored, as in a terminal); standard error a full pipe, so the command is held
    writing "aborted" and the second Ctrl-C is sent there. Deterministic, no sleep."""
    fifo = tmp_path / "capture.astm"
    os.mkfifo(fifo)
    read_end, write_end = _full_pipe()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(os.close, read_end)
        with contextlib.closing(os.fdopen(write_end, "wb")):
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("triage")),
                    "devices",
                    "replay",
                    str(fifo),
                    "--profile",
                    "sysmex-xn550",
                ],
                stdout=subprocess.DEVNULL,
                stderr=write_end,
                env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
                cwd=tmp_path,
                preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, set()),
            )
        cleanup.callback(_ended, process)
        cleanup.callback(os.close, _writer_when_read(fifo, process))
        _second_ctrl_c_while_writing(process)
        err = _read_to_the_end(read_end)
        process.wait(timeout=60)
    assert "Traceback" not in err, err
    assert process.returncode == 130, err
    assert err.splitlines()[-1] == "aborted", err


def _until_line(fd: int, wanted: str, timeout_s: float = 60) -> str:
    """What ``fd`` gives up to and with the line that holds ``wanted``."""
    got = b""
    deadline = time.monotonic() + timeout_s
    while wanted.encode() not in got:
        assert time.monotonic() < deadline, f"no {wanted!r} within {timeout_s:g} s: {got!r}"
        chunk = os.read(fd, 65536)
        assert chunk, f"ended before {wanted!r}: {got!r}"
        got += chunk
    return got.decode("utf-8")


def _filled(write_end: int) -> None:
    """The pipe of ``write_end`` filled up: the next write to it blocks until its reader reads
    (blocking again after: the flag is the pipe's, shared with the command's standard error)."""
    os.set_blocking(write_end, False)
    with contextlib.suppress(BlockingIOError):
        while True:
            os.write(write_end, b"\n")
    os.set_blocking(write_end, True)


@pytest.mark.skipif(
    platform.machine() not in _WRITE_SYSCALL or not Path("/proc/self/syscall").exists(),
    reason="tells the command is writing to stderr from /proc/PID/syscall (Linux, x86_64 or aarch64)",
)
@pytest.mark.parametrize("command", ["listen", "simulate"])
def test_ctrl_c_again_while_it_stops_still_ends_it_in_one_line(command: str, tmp_path: Path) -> None:
    """Started, `listen` and `simulate` stop on Ctrl-C ("stopped (Ctrl-C)", exit 130); asyncio gave
    SIGINT back Python's handler when its loop ended, and Python its default action at exit, so a
    second Ctrl-C as the command ended killed it by SIGINT (a parent saw returncode -2, not 130:
    7 of 30 runs pressing Ctrl-C twice within 30 ms during the start, under load). Now SIGINT is
    ignored once it stops. Standard error is a pipe the test fills once the command has started,
    so the command is held writing "stopped (Ctrl-C)": SIGINT is ignored there (/proc), and the
    second Ctrl-C sent there changes nothing. Deterministic, no sleep."""
    argv = {
        "listen": ["--profile", "sysmex-xn550", "--db", str(tmp_path / "clinic.db")],
        "simulate": ["--trace", str(TRACES / "sysmex-xn550.astm")],
    }[command]
    read_end, write_end = os.pipe()
    out_read, out_write = os.pipe()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(os.close, read_end)
        cleanup.callback(os.close, out_read)
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("triage")),
                "devices",
                command,
                *argv,
                "--tcp-listen",
                "127.0.0.1:0",
            ],
            stdout=out_write,
            stderr=write_end,
            env={**os.environ, "TRIAGE_CONFIG": str(settings_file(tmp_path))},
            cwd=tmp_path,
            preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, set()),
        )
        os.close(out_write)
        cleanup.callback(_ended, process)
        if command == "listen":
            said = _until_line(read_end, "press Ctrl-C to stop")
        else:
            said = ""
            _until_line(out_read, "listening on")
        _filled(write_end)  # the test's own copy of the write end: the command's stderr is full
        os.close(write_end)
        process.send_signal(signal.SIGINT)
        _second_ctrl_c_while_writing(process, first_sent=True)
        ignored = _sigint_ignored(process)  # in its stop: a Ctrl-C now can neither break nor kill it
        err = said + _read_to_the_end(read_end)
        process.wait(timeout=60)
    assert ignored, err
    assert "Traceback" not in err, err
    assert process.returncode == 130, err
    assert "stopped (Ctrl-C)" in err, err


def _sigint_ignored(process: subprocess.Popen[bytes]) -> bool:
    """SIGINT is in ``process``'s ignored signals (/proc/PID/status SigIgn, a hex mask of bit
    signal - 1)."""
    status = Path(f"/proc/{process.pid}/status").read_text(encoding="ascii")
    (mask,) = [line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")]
    return bool(int(mask, 16) >> (signal.SIGINT - 1) & 1)

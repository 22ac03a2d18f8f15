"""A Ctrl-C (or a closed terminal's hangup) while a `triage serve --workers 2` worker is still
starting is the primary's, as it is once the worker runs, and a worker ends with its primary.

The worker ignored SIGINT only from run_worker on, after seconds of imports on a busy box, so a
Ctrl-C then killed it with a KeyboardInterrupt traceback in the service log (seen with `timeout -s
INT`); f1620798 ignored it between fork and exec with ``preexec_fn``, which runs Python in the
forked child of a process with threads (the primary's gateway, pipeline and peers) - not safe,
Python's documentation says, it can deadlock the child. Now each worker starts in a session of its
own (``start_new_session``, done in C): the terminal's Ctrl-C and hangup go to the terminal's process
group, the primary's, and never reach a worker. A real `triage serve --workers 2`, started as a
shell starts a job (a process group of its own), its worker held at Python's start-up hook (a
``sitecustomize`` on ``PYTHONPATH``) while the whole group gets the Ctrl-C: no timing involved."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.service.test_serve_startup import TRIAGE, environment, port_said, wait_ended, wait_ready

HOLD = """
import os, sys, time
if "triage.service.workers" in sys.orig_argv:
    with open(os.environ["WORKER_SEEN"], "a") as seen:
        seen.write(f"{os.getpid()} {os.getpgrp()} {os.getsid(0)}\\n")
    while not os.path.exists(os.environ["WORKER_GO"]):
        time.sleep(0.02)
"""


def _start(tmp_path: Path, log: Path, *, held: bool) -> tuple[subprocess.Popen[str], Path]:
    """`triage serve --workers 2` as a shell's job (its own process group, the one a terminal's
    Ctrl-C signals); its worker held at start-up until ``WORKER_GO`` exists when ``held``."""
    (tmp_path / "sitecustomize.py").write_text(HOLD, encoding="utf-8")
    seen, go = tmp_path / "worker.txt", tmp_path / "go"
    if not held:
        go.touch()
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    variables = {"PYTHONPATH": path, "WORKER_SEEN": str(seen), "WORKER_GO": str(go)}
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "serve", "--workers", "2", "--port", "0"],
            cwd=tmp_path,
            env=environment() | {"TRIAGE_DATABASE__PATH": str(tmp_path / "clinic.db")} | variables,
            stderr=err,
            text=True,
            start_new_session=True,
        )
    return process, seen


def test_a_ctrl_c_to_the_group_while_a_worker_starts_is_the_primarys(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    process, seen = _start(tmp_path, log, held=True)
    try:
        port_said(lambda: log.read_text(encoding="utf-8"), process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not seen.exists():
            assert process.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.05)
        [line] = seen.read_text(encoding="utf-8").splitlines()  # the worker, held at its start
        pid, group, session = (int(word) for word in line.split())
        assert group != process.pid and session == pid, (
            "the worker is in the process group the terminal's Ctrl-C and hangup reach"
        )
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
        (tmp_path / "go").touch()
        assert process.wait(30) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert wait_ended(pid), "the primary stopped its worker"
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text


def test_a_worker_ends_with_its_primary(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    process, seen = _start(tmp_path, log, held=False)
    try:
        wait_ready({0, 1}, process, log)
        pid = int(seen.read_text(encoding="utf-8").split()[0])
        process.kill()  # the primary dies at once (OOM killer, kill -9): it stops nothing itself
        process.wait()
        assert wait_ended(pid), "a worker outlived its primary"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

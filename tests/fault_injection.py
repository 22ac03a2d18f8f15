"""A real process killed (SIGKILL) at a given system call, by strace's fault injection: what a
crash or a power cut leaves at that point of a write, without a mock. Skips where strace is
missing or may not trace (a container without ptrace)."""

from __future__ import annotations

import shutil
import signal
import subprocess

import pytest


def killed_at(command: list[str], syscall: str, path: str | None = None) -> None:
    """Run ``command`` killed by SIGKILL at its first ``syscall`` (of those on the file ``path``
    alone, when given), and check that it was."""
    if shutil.which("strace") is None:
        pytest.skip("needs strace (Debian package strace) to kill a process at a given system call")
    on = ["-P", path] if path is not None else []
    killer = ["strace", "-f", "-qq", "-o", "/dev/null", *on, "-e", f"trace={syscall}"]
    done = subprocess.run(
        [*killer, "-e", f"inject={syscall}:signal=SIGKILL:when=1", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "ptrace" in done.stderr or "PTRACE" in done.stderr:
        pytest.skip(f"strace may not trace here: {done.stderr[-200:]}")
    assert done.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), (done.returncode, done.stderr)

"""Ctrl-C in the first second of any `triage` command, while the CLI is still importing.

The console script imported ``triage.cli`` (typer and every command) before ``main()`` could catch
anything, so an early Ctrl-C printed a KeyboardInterrupt traceback and the process died by SIGINT
instead of the CLI's one line "aborted" and exit 130. The import is slowed here with Python's own
start-up hook (a ``sitecustomize`` module on PYTHONPATH), not with anything in the product.

A command's own module is imported later, when click looks the command up (triage/cli/lazy.py); a
Ctrl-C there ended with 130 but said nothing (typer's own handling), so both imports are held."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

TRIAGE = str(Path(sys.executable).with_name("triage"))

# Holds the import of a module triage.cli imports (MODULE), saying so on stderr, until Ctrl-C ends the
# wait: one triage.cli itself imports, and the command's own, imported when the command is looked up.
SLOW_IMPORT = """\
import sys, time

class _Slow:
    def find_spec(self, name, path=None, target=None):
        if name == MODULE:
            sys.stderr.write("importing triage.cli\\n")
            sys.stderr.flush()
            time.sleep(60)
        return None

sys.meta_path.insert(0, _Slow())
"""


@pytest.mark.parametrize("module", ["triage.cli.context", "triage.cli.models"])
@pytest.mark.parametrize(
    "command", [[TRIAGE, "models", "list"], [sys.executable, "-m", "triage", "models", "list"]]
)
def test_ctrl_c_while_the_cli_imports_says_aborted_and_exits_130(
    command: list[str], module: str, tmp_path: Path
) -> None:
    (tmp_path / "sitecustomize.py").write_text(f"MODULE = {module!r}\n" + SLOW_IMPORT)
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    process = subprocess.Popen(
        command,
        env={**os.environ, "PYTHONPATH": path},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a terminal's default
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline() == "importing triage.cli\n"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (process.returncode, out, err) == (130, "", "aborted\n")

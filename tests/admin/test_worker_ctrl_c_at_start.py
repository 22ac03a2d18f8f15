"""A Ctrl-C (or a closed terminal's hangup) while a `triage serve --workers 2` worker is still
starting is the primary's, as it is once the worker runs: the worker ignored SIGINT only from
run_worker on, after seconds of imports on a busy box, so a Ctrl-C then killed it with a
KeyboardInterrupt traceback in the service log (seen with `timeout -s INT`). The worker's own
disposition at Python's start-up hook (a ``sitecustomize`` on ``PYTHONPATH``, as
tests/unit/test_ctrl_c_at_start.py does) is read from a real `triage serve`: no timing involved."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.service.test_serve_startup import _serve_once

SAYS = """
import os, signal, sys
if "triage.service.workers" in sys.orig_argv:
    with open(os.environ["SIGNALS_SEEN"], "a") as seen:
        seen.write(f"{signal.getsignal(signal.SIGINT)!r} {signal.getsignal(signal.SIGHUP)!r}\\n")
"""


def test_a_worker_ignores_ctrl_c_and_hangup_from_its_start(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(SAYS, encoding="utf-8")
    seen = tmp_path / "seen.txt"
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    log = _serve_once(
        tmp_path / "clinic.db",
        tmp_path,
        "serve.log",
        variables={"PYTHONPATH": path, "SIGNALS_SEEN": str(seen)},
    )
    ignored = f"{signal.SIG_IGN!r}"
    assert seen.read_text(encoding="utf-8").splitlines() == [f"{ignored} {ignored}"]
    assert "Traceback" not in log

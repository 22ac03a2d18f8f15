"""A first `triage serve` on a log with no staff account says, in its `ready:` line, where the
administrator is created: `--help` says "On first run, open the page to create the administrator",
but the service printed its address and a `ready:` line without a word of /setup, and a first-day
administrator following the README had no page named to open. Real `triage serve` processes."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.service.test_serve_startup import TRIAGE, environment, unstamped, wait_ready
from triage.service.accounts import Accounts
from triage.service.auth import Role
from triage.service.database import Databases


def ready_line(variables: dict[str, str], log: Path) -> tuple[str, int]:
    """The `ready:` line of a real `triage serve --port 0` run with the ``TRIAGE_`` ``variables``
    alone (its standard error in ``log``), and the port it got."""
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "serve", "--workers", "1", "--port", "0"],
            env=environment() | variables,
            stderr=err,
            text=True,
        )
        try:
            port = wait_ready({0}, process, log)
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 130
    text = log.read_text(encoding="utf-8")
    [ready] = [line for line in unstamped(text) if line.startswith("ready: ")]
    return ready, port


def test_the_ready_line_names_the_setup_page_until_there_is_an_account(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    ready, port = ready_line({"TRIAGE_DATABASE__PATH": str(db)}, tmp_path / "first.log")
    assert ready.endswith(
        f"; no staff account yet: open http://127.0.0.1:{port}/setup to create the administrator"
    ), ready
    databases = Databases(db, 5000)
    Accounts(databases).create("admin1", "a-long-passphrase-1", Role.admin, "en", actor="test")
    databases.close_all()
    ready, _ = ready_line({"TRIAGE_DATABASE__PATH": str(db)}, tmp_path / "second.log")
    assert "no staff account" not in ready and ready.endswith("; device gateway off"), ready

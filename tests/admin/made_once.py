"""What several of the administrator's tests start from, made once per test module by the real
commands and copied into each test's own folder: each `triage` process costs its start-up (about a
second of imports), and a test about what a command says of a log needs that log, not its own
`migrate` and `users add` processes to make it again. The copies are the same bytes: the same log,
its backups beside it."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

from tests.cli.running import run
from triage.cli import main

PASSWORD = "a-long-passphrase-7"


def here(argv: list[str]) -> None:
    """A step that makes what a test is given (a log, entries, a backup) through the real CLI, in
    this process: a fresh process for each costs its start-up, and the step is not what the test
    is about. The command leaves its SQLite connection to the garbage collector, which a process's
    exit closes; collected here, or the command the test runs next finds the log open in another
    process. Give absolute paths: this process's working folder is not the test's."""
    assert main(argv) == 0, argv
    gc.collect()


def copied(made: Path, folder: Path) -> Path:
    """Every file in the folder ``made`` (a log, a backup of it) copied into ``folder``; ``folder``."""
    for source in made.iterdir():
        shutil.copy(source, folder / source.name)
    return folder


def with_nurse1(folder: Path) -> Path:
    """``folder`` with a new log, clinic.db, holding the account nurse1 (nurse, :data:`PASSWORD`),
    made by `triage referrals migrate` (:func:`here`) and `users add` as an administrator runs it."""
    here(["referrals", "migrate", "--db", str(folder / "clinic.db")])
    added = run(
        f"printf '%s\\n' '{PASSWORD}' | triage referrals users add nurse1 --role nurse --password-stdin"
        " --db clinic.db",
        folder,
    )
    assert added.returncode == 0, added.stderr
    return folder


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new log with the account nurse1, made once by the real commands."""
    return with_nurse1(tmp_path_factory.mktemp("nurse1"))


@pytest.fixture
def log(made: Path, tmp_path: Path) -> Path:
    """A copy of :func:`made`'s log in the test's own folder."""
    return copied(made, tmp_path)

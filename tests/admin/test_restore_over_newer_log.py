"""A restore over a log that holds what the backup does not is refused unless asked for: `triage
referrals restore --from OLD` over the clinic's live log (an administrator moving to a new machine
who gave the old machine's --db, last month's backup taken for yesterday's) replaced it at once, its
entries since the backup left only in the replaced copy beside it, exit 0 - and over another
clinic's log, that log's whole record. `--replace-newer` says it is meant (going back after a failed
upgrade, or past data written wrongly). A log the backup holds all of (an older copy, a new empty
one, no log at all: a new machine) is restored as before. Real SQLite files; the restores and the
checks after them run as real processes, as the administrator runs them, and the logs and backups
they are given are made through the same CLI in this process."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from referral.facilities import DEMO_CSV
from tests.admin.made_once import copied, here
from tests.cli.running import run
from triage.service.accounts import Accounts
from triage.service.database import Databases


def _load(log: Path, clinic: str) -> None:
    """Audit entries written through the real CLI: the demo facility directory, for ``clinic``."""
    here(["referrals", "facilities", "load", "--db", str(log), str(DEMO_CSV), "--clinic", clinic])


def _log_with_entries(folder: Path, name: str = "clinic.db", clinic: str = "ZJ-C01") -> Path:
    _load(folder / name, clinic)
    return folder / name


def _entries(log: Path) -> int:
    db = sqlite3.connect(f"file:{log}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM audit").fetchone()[0])
    finally:
        db.close()


def _backup(log: Path, out: Path) -> None:
    here(["referrals", "backup", "--db", str(log), "--out", str(out)])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log with entries for clinic ZJ-C01, clinic.db, and its backup b.db, made once."""
    folder = tmp_path_factory.mktemp("backed-up")
    _backup(_log_with_entries(folder), folder / "b.db")
    return folder


@pytest.fixture
def backed_up(made: Path, tmp_path: Path) -> None:
    """A copy of :func:`made`'s log and backup in the test's own folder."""
    copied(made, tmp_path)


@pytest.mark.usefixtures("backed_up")  # the log, and its backup b.db
def test_a_log_with_entries_written_after_the_backup_is_not_replaced_unasked(tmp_path: Path) -> None:
    log = tmp_path / "clinic.db"
    backed_up = _entries(log)
    _load(log, "ZJ-C02")
    now = _entries(log)
    assert now > backed_up

    before = hashlib.sha256(log.read_bytes()).hexdigest()
    said = run(["referrals", "restore", "--from", "b.db", "--db", "clinic.db"], tmp_path)
    assert said.returncode == 1, said.stdout
    assert hashlib.sha256(log.read_bytes()).hexdigest() == before  # byte for byte
    error = said.stderr.strip()
    assert error.startswith("error: --db clinic.db holds "), error
    assert f"audit entries {backed_up + 1} to {now}" in error, error
    assert "written after the backup b.db was taken" in error, error
    assert "--replace-newer" in error and error.endswith("nothing was changed"), error
    assert "Traceback" not in said.stderr
    assert _entries(log) == now  # untouched: nothing moved aside
    assert not list(tmp_path.glob("clinic.db.replaced-*"))

    meant = run(
        ["referrals", "restore", "--from", "b.db", "--db", "clinic.db", "--replace-newer", "--json"], tmp_path
    )
    assert meant.returncode == 0, meant.stderr
    assert json.loads(meant.stdout)["moved_aside"]
    assert _entries(log) == backed_up + 1  # the backup's trail and the restore's own entry


@pytest.mark.usefixtures("backed_up")  # ours, and its backup b.db
def test_another_log_is_not_replaced_unasked(tmp_path: Path) -> None:
    theirs = _log_with_entries(tmp_path, "other.db", clinic="ZJ-C02")

    said = run(["referrals", "restore", "--from", "b.db", "--db", "other.db"], tmp_path)
    assert said.returncode == 1, said.stdout
    error = said.stderr.strip()
    assert error.startswith("error: --db other.db is not the log the backup b.db was taken from"), error
    assert "--replace-newer" in error and error.endswith("nothing was changed"), error
    assert not list(tmp_path.glob("other.db.replaced-*"))
    assert run(["referrals", "verify-audit", "--db", str(theirs)], tmp_path).returncode == 0


@pytest.mark.usefixtures("backed_up")
def test_a_log_the_backup_holds_all_of_is_restored_as_before(tmp_path: Path) -> None:
    log = tmp_path / "clinic.db"
    (tmp_path / "b.db").rename(tmp_path / "old.db")
    _load(log, "ZJ-C02")
    _backup(log, tmp_path / "new.db")
    # the log as the older backup has it, then the newer backup over it: nothing of the log is lost
    back = run(["referrals", "restore", "--from", "old.db", "--db", "clinic.db", "--replace-newer"], tmp_path)
    assert back.returncode == 0, back.stderr
    forward = run(["referrals", "restore", "--from", "new.db", "--db", "clinic.db"], tmp_path)
    assert forward.returncode == 1  # the first restore's own entry is in the log, not in new.db
    (tmp_path / "box").mkdir()
    new_machine = run(["referrals", "restore", "--from", "../new.db", "--db", "clinic.db"], tmp_path / "box")
    assert new_machine.returncode == 0, new_machine.stderr
    here(["referrals", "migrate", "--db", str(tmp_path / "empty.db")])
    over_empty = run(["referrals", "restore", "--from", "new.db", "--db", "empty.db"], tmp_path)
    assert over_empty.returncode == 0, over_empty.stderr


@pytest.mark.usefixtures("backed_up")  # the old machine's log, and its backup b.db
def test_a_new_machine_s_log_with_its_first_account_is_another_log(tmp_path: Path) -> None:
    """The service started on the new machine before the restore: its /setup made an account, one
    entry, which the backup does not have - said in those words, and --replace-newer restores."""
    here(["referrals", "migrate", "--db", str(tmp_path / "new.db")])
    databases = Databases(tmp_path / "new.db", 5000)  # the account, as /setup makes it
    Accounts(databases).create_first_admin("admin1", "a-long-passphrase-5", "en")
    databases.close_all()
    said = run(["referrals", "restore", "--from", "b.db", "--db", "new.db"], tmp_path)
    assert said.returncode == 1 and "(the log's 1 entry, the newest at " in said.stderr, said.stderr
    meant = run(["referrals", "restore", "--from", "b.db", "--db", "new.db", "--replace-newer"], tmp_path)
    assert meant.returncode == 0, meant.stderr

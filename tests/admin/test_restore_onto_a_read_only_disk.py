"""`triage referrals restore` onto a log whose disk is read-only (or whose folder this user cannot
write) said of the sound log "SQLite cannot read it as a referral log (unable to open database
file) - the wrong path (check --db), or a damaged log: ... give --replace-damaged", and with
--replace-damaged ended in a traceback (OSError: Read-only file system). Now it says the disk is
read-only, where, in one line, exit 1, and the log is as it was. Real processes and files; as root
(where chmod stops no write) the folder is bind-mounted read-only in a private mount namespace."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.running import TRIAGE, environment
from tests.referral.test_read_only_log import read_only_mount


def _held(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def _log_and_backup(log: Path, backup: Path) -> None:
    """A new log at ``log`` and its backup at ``backup``, by the real commands."""
    for command in (
        ["referrals", "migrate", "--db", str(log)],
        ["referrals", "backup", "--db", str(log), "--out", str(backup)],
    ):
        done = subprocess.run(
            [TRIAGE, *command], cwd=backup.parent, env=environment(), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr


def run_on_a_read_only_folder(
    folder: Path, command: list[str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``command`` run with ``folder`` read-only: as root (where chmod stops no write) bind-mounted
    read-only in a private mount namespace, skipped where that is not allowed; else ``chmod 555``."""
    root = os.geteuid() == 0
    if root:
        command = read_only_mount(folder, command)
    else:
        folder.chmod(0o555)
    try:
        said = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True)
    finally:
        folder.chmod(0o755)
    if root and "Read-only file system" not in said.stderr and "read-only" not in said.stderr:
        pytest.skip(f"a read-only bind mount is not allowed here (unshare -m: {said.stderr.strip()[-200:]})")
    return said


@pytest.mark.parametrize("replace_damaged", [False, True], ids=["as it is", "--replace-damaged"])
def test_a_restore_onto_a_read_only_disk_says_so_and_changes_nothing(
    tmp_path: Path, replace_damaged: bool
) -> None:
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    _log_and_backup(shelf / "clinic.db", tmp_path / "b.db")
    held = _held(shelf)
    restore = [TRIAGE, "referrals", "restore", "--from", "b.db", "--db", str(shelf / "clinic.db")]
    restore += ["--replace-damaged"] if replace_damaged else []
    root = os.geteuid() == 0
    said = run_on_a_read_only_folder(shelf, restore, tmp_path)
    why = (
        f"the filesystem holding it, mounted at {shelf}, is read-only: remount it read-write, or move the"
        " log (database.path) to a disk that can be written"
        if root
        else ""
    )
    assert said.returncode == 1, said.stderr
    assert said.stderr.startswith(f"error: --db {shelf / 'clinic.db'}: cannot restore there: {why}"), (
        said.stderr
    )
    assert said.stderr.endswith("; nothing was changed\n") and said.stderr.count("\n") == 1, said.stderr
    assert _held(shelf) == held


def test_a_restore_into_a_folder_that_cannot_be_made_says_so_in_one_line(tmp_path: Path) -> None:
    """--db under a file (notes.txt/clinic.db): the copy's folder cannot be made, which ended in a
    traceback (FileExistsError)."""
    log = tmp_path / "clinic.db"
    _log_and_backup(log, tmp_path / "b.db")
    (tmp_path / "notes.txt").write_text("my notes\n", encoding="utf-8")
    said = subprocess.run(
        [TRIAGE, "referrals", "restore", "--from", "b.db", "--db", "notes.txt/clinic.db"],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
    )
    assert (said.returncode, said.stdout) == (2, ""), said.stderr
    assert said.stderr == (
        "error: --db notes.txt/clinic.db: cannot write the restored log there (notes.txt is a file, not a"
        " folder); nothing was changed\n"
    )
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "my notes\n"

"""`triage referrals backup` into the settings' database.backup_dir on a disk with no room said
"error: --out /srv/backups/clinic.backup.<time>.db.partial: cannot create the file (SQLite: unable
to open database file); check that its folder exists ..." - no --out was given, the folder exists,
the disk was full (of files: no inode left), and the exit was 2, something given wrong. Now the
line names the setting where it was set (the settings file, or the environment variable), the
system's reason, and exits 1 as a full disk does (README, docs/referral-log.md); an --out on that
disk is named as --out. Real processes; the disk is a tmpfs with one inode (its root folder)
mounted in a private mount namespace, as root only."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.running import TRIAGE, environment

FULL_TMPFS = 'mount -t tmpfs -o size=1m,nr_inodes=1 tmpfs "$1" && shift && exec "$@"'
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="mounting a full tmpfs in a private mount namespace needs root and unshare",
)


def _on_a_full_disk(folder: Path, command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    said = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", FULL_TMPFS, "sh", str(folder), *command],
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "mount" in said.stderr and "error:" not in said.stderr:
        pytest.skip(f"a tmpfs mount is not allowed here: {said.stderr.strip()[-200:]}")
    return said


@pytest.fixture
def log(tmp_path: Path) -> Path:
    log = tmp_path / "clinic.db"
    made = subprocess.run(
        [TRIAGE, "referrals", "migrate", "--db", str(log)], env=environment(), capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    (tmp_path / "backups").mkdir()
    return log


UNCHANGED = (
    "and the referral log is unchanged - free space on that disk, or write the backup to another disk\n"
)


def test_backup_dir_from_the_environment_is_named_as_that_variable(log: Path) -> None:
    backups = log.parent / "backups"
    said = _on_a_full_disk(
        backups, [TRIAGE, "referrals", "backup", "--db", str(log)], TRIAGE_DATABASE__BACKUP_DIR=str(backups)
    )
    assert (said.returncode, said.stdout) == (1, ""), said.stderr
    assert said.stderr.startswith(
        f'error: environment variable TRIAGE_DATABASE__BACKUP_DIR="{backups}": cannot write the backup'
        f" {backups}/clinic.backup."
    ), said.stderr
    assert ".db there (No space left on device); no backup was written (nothing is left at " in said.stderr
    assert said.stderr.endswith(UNCHANGED) and said.stderr.count("\n") == 1, said.stderr
    assert "--out" not in said.stderr
    assert list(backups.iterdir()) == []


def test_backup_dir_from_a_settings_file_is_named_as_that_file_s_key(log: Path) -> None:
    backups = log.parent / "backups"
    config = log.parent / "clinic.toml"
    config.write_text(f'[database]\nbackup_dir = "{backups}"\n', encoding="utf-8")
    said = _on_a_full_disk(
        backups, [TRIAGE, "--config", str(config), "referrals", "backup", "--db", str(log)]
    )
    assert (said.returncode, said.stdout) == (1, ""), said.stderr
    assert said.stderr.startswith(
        f"error: settings file {config}: database.backup_dir: cannot write the backup {backups}/clinic.backup."
    ), said.stderr
    assert said.stderr.endswith(UNCHANGED) and "--out" not in said.stderr, said.stderr


def test_an_out_on_a_full_disk_is_named_as_out_exit_1(log: Path) -> None:
    out = log.parent / "backups" / "b.db"
    said = _on_a_full_disk(out.parent, [TRIAGE, "referrals", "backup", "--db", str(log), "--out", str(out)])
    assert (said.returncode, said.stdout) == (1, ""), said.stderr
    assert said.stderr == (
        f"error: --out {out}: cannot write the backup (No space left on device); no backup was written"
        f" (nothing is left at {out}) {UNCHANGED}"
    )

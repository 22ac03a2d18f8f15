"""`triage referrals backup` onto a read-only disk (or into a folder this user cannot write) said
"error: --out /mnt/usb/b.db: cannot write the backup (Read-only file system)", exit 2 - the exit of
something given wrong - where the README's exit codes have a read-only disk met exit 1 and
docs/referral-log.md says a backup onto a full or read-only disk says so as a backup, exit 1. Now
it says so in one line, exit 1, nothing written there and the log unchanged. Real processes and
files; as root (where chmod stops no write) the folder is bind-mounted read-only in a private
mount namespace."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.admin.test_restore_onto_a_read_only_disk import run_on_a_read_only_folder
from tests.cli.running import TRIAGE, environment


def test_a_backup_onto_a_read_only_disk_says_so_as_a_backup_exit_1(tmp_path: Path) -> None:
    log = tmp_path / "clinic.db"
    made = subprocess.run(
        [TRIAGE, "referrals", "migrate", "--db", str(log)], env=environment(), capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    usb = tmp_path / "usb"
    usb.mkdir()
    out = usb / "b.db"
    before = log.read_bytes()
    backup = [TRIAGE, "referrals", "backup", "--db", str(log), "--out", str(out)]
    root = os.geteuid() == 0
    said = run_on_a_read_only_folder(usb, backup, tmp_path)
    why = f"{usb} is on a read-only filesystem; give a folder on a disk that can be written" if root else ""
    assert (said.returncode, said.stdout) == (1, ""), said.stderr
    assert said.stderr.startswith(f"error: backup: cannot write {out}: {why}"), said.stderr
    assert said.stderr.endswith(
        f"; no backup was written (nothing is left at {out}) and the referral log is unchanged\n"
    ), said.stderr
    assert said.stderr.count("\n") == 1, said.stderr
    assert list(usb.iterdir()) == []
    assert log.read_bytes() == before

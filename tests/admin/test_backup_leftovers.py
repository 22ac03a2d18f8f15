"""A `triage referrals backup` into `database.backup_dir` killed while writing (a reboot, an OOM
kill, a timer's stop) left `<log>.backup.<time>.db.partial` there for good, unnamed by anything: the
folder filled with copies of the log nobody knew were no backups. The next backup into the folder
now names each leftover last written over an hour ago that no process is writing, with the line
that deletes them - never a copy being written (its writer holds its lock). The backup is killed
for real (strace's fault injection, SIGKILL at the copy's fsync)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from referral import backup
from referral.plurals import counted
from tests.admin.test_backup_dir import _config
from tests.referral.test_audit_rows_upgrade import _log_0017
from tests.referral.test_storage import killed_at_fsync
from triage.cli import main


def test_the_next_backup_names_what_a_killed_backup_left_and_never_one_being_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    config = _config(tmp_path, folder, kept=1)
    log = _log_0017(tmp_path / "log")
    killed_at_fsync(["--config", str(config), "referrals", "backup", "--db", str(log)])
    [killed_copy] = [p for p in folder.iterdir() if p.name.endswith(".db.partial")]
    # named as if killed at 00:00 (the backups below, in the same second, would write that name again)
    left = killed_copy.rename(folder / "old.backup.20261206T000000Z.db.partial")
    # one being written now: another backup's copy, its writer alive (this process holds its lock)
    written_now = folder / "old.backup.20261206T010000Z.db.partial"
    writer = backup._writing(written_now)
    try:
        hour_and_more_ago = time.time() - backup.STALE_PARTIAL_AFTER_S - 60
        os.utime(written_now, (hour_and_more_ago, hour_and_more_ago))

        def backed_up() -> tuple[str, list[str]]:
            args = ["--config", str(config), "referrals", "backup", "--db", str(log)]
            assert main(args) == 0
            said = capsys.readouterr().err
            assert main([*args, "--json"]) == 0
            return said, json.loads(capsys.readouterr().out)["unfinished_left"]

        # just killed: as young as a copy being written, not named yet
        assert backed_up() == ("", [])
        os.utime(left, (hour_and_more_ago, hour_and_more_ago))
        said, listed = backed_up()
        assert listed == [str(left)]
        assert said.startswith(f"note: 1 unfinished backup file in {folder}, left by a backup killed"), said
        assert f"{left.name}; no backup is in it - delete it: rm {left}\n" in said, said
        assert written_now.name not in said
    finally:
        os.close(writer)


def test_a_backup_never_removes_the_copy_another_one_is_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two backups to one name (a cron line and an administrator in the same second into
    backup_dir, or one --out): the second removed the first's .partial while it was written, and
    the first then renamed the second's copy, or failed. The second is refused, exit 1."""
    folder = tmp_path / "backups"
    folder.mkdir()
    log = _log_0017(tmp_path / "log")
    out = folder / "nightly.db"
    writer = backup._writing(backup.partial_of(out))  # the first backup, still writing
    try:
        assert main(["referrals", "backup", "--db", str(log), "--out", str(out)]) == 1
        said = capsys.readouterr().err
        assert f"{out}.partial is being written by another backup now (to {out}); nothing was written" in said
        assert backup.partial_of(out).exists() and not out.exists()
    finally:
        os.close(writer)
    assert main(["referrals", "backup", "--db", str(log), "--out", str(out)]) == 0  # once it is done
    assert out.exists()


def test_verify_audit_names_what_a_killed_backup_or_restore_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`verify-audit`, which an administrator runs on a schedule, said nothing of the copies a
    backup or a restore killed while writing left - only the next backup into the folder did (and
    nothing at all of a restore's, beside the log): it names both now, as that backup does."""
    folder = tmp_path / "backups"
    folder.mkdir()
    config = _config(tmp_path, folder)
    log = _log_0017(tmp_path / "log")
    killed_at_fsync(["--config", str(config), "referrals", "backup", "--db", str(log)])
    [left] = [p for p in folder.iterdir() if p.name.endswith(".db.partial")]
    assert (
        main(
            [
                "--config",
                str(config),
                "referrals",
                "backup",
                "--db",
                str(log),
                "--out",
                str(tmp_path / "b.db"),
            ]
        )
        == 0
    )
    killed_at_fsync(
        ["--config", str(config), "referrals", "restore", "--from", str(tmp_path / "b.db"), "--db", str(log)]
    )
    restore_left = sorted(p for p in log.parent.iterdir() if p.name.startswith(f"{log.name}.partial"))
    assert restore_left, list(log.parent.iterdir())
    capsys.readouterr()
    verify = ["--config", str(config), "referrals", "verify-audit", "--db", str(log)]
    assert main(verify) == 0
    assert capsys.readouterr().err == "", "just killed: as young as a copy being written, not named yet"
    hour_and_more_ago = time.time() - backup.STALE_PARTIAL_AFTER_S - 60
    for old in (left, *restore_left):
        os.utime(old, (hour_and_more_ago, hour_and_more_ago))
    assert main(verify) == 0
    said = capsys.readouterr().err.splitlines()
    assert said[0].startswith(f"note: 1 unfinished backup file in {folder}, left by a backup killed"), said
    assert said[0].endswith(f"{left.name}; no backup is in it - delete it: rm {left}"), said
    assert said[1].startswith(
        f"note: {counted(len(restore_left), 'unfinished backup files')} in {log.parent}, left by a restore killed"
    ), said
    assert said[1].endswith(
        f" - delete {'it' if len(restore_left) == 1 else 'them'}: rm {' '.join(str(p) for p in restore_left)}"
    ), said
    assert main([*verify, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["unfinished_left"]
    assert listed == [str(left), *(str(p) for p in restore_left)]

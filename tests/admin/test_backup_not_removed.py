"""An older automatic backup that cannot be removed is said, and the upgrade goes on: the
retention (`database.upgrade_backups_kept`) skipped it without a word, so the folder grew by a
full copy of the log at every upgrade while the message listed only what was removed. Now the
upgrade's message (`migrate`'s text and `--json`, `serve`'s line) and, for the commands that
upgrade a log on opening it (`connect()`: the device gateway, `facilities load` ...), the log
name the file and why. A real file made immutable (`chattr +i`, root on ext4/tmpfs): unlink
fails with "Operation not permitted", as it does for a file another user owns in a sticky folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from referral.backup import UpgradeBackups
from referral.schema import connect
from tests.admin.test_backup_dir import OLDER, _config
from tests.referral.test_audit_rows_upgrade import _log_0017
from tests.referral.test_upgrade_backup import _backups
from triage.cli import main
from triage.service.database import Databases
from triage.settings import load_settings


@pytest.fixture
def stuck(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A backup folder whose oldest automatic backup of ``old.db`` cannot be removed, and the
    backup removed beside it; the log is at ``tmp_path/log/old.db``."""
    folder = tmp_path / "backups"
    folder.mkdir()
    source = _log_0017(tmp_path / "source")
    older = [folder / f"old.before-upgrade.schema17.{stamp}.db" for stamp in OLDER[:2]]
    for copy in older:
        shutil.copyfile(source, copy)
    if subprocess.run(["chattr", "+i", str(older[0])], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is refused here (needs root and a filesystem that keeps the flag)")
    try:
        yield older[0], older[1]
    finally:
        subprocess.run(["chattr", "-i", str(older[0])], check=True)


def _why(kept: Path) -> str:
    return (
        f"; could not remove 1 older automatic backup of it there (database.upgrade_backups_kept),"
        f" left as they are: {kept} (Operation not permitted) - remove it by hand"
    )


def _migrate(tmp_path: Path, kept: Path, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    """What `triage referrals migrate` of an older log prints, keeping one automatic backup in ``kept``'s folder."""
    log = _log_0017(tmp_path / "log")
    config = _config(tmp_path, kept.parent, kept=1)
    capsys.readouterr()
    assert main(["--config", str(config), "referrals", "migrate", "--db", str(log), *options]) == 0
    return capsys.readouterr().out


def test_migrate_says_which_backup_it_could_not_remove_and_why(
    tmp_path: Path, stuck: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    kept, removed = stuck
    out = _migrate(tmp_path, kept, capsys)
    assert f"(database.upgrade_backups_kept): {removed.name}{_why(kept)}" in out, out
    assert kept.exists() and not removed.exists()
    assert len(_backups(kept.parent)) == 2  # the one left and the new one: the upgrade went on


def test_migrate_json_lists_it_with_the_reason(
    tmp_path: Path, stuck: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    kept, removed = stuck
    said = json.loads(_migrate(tmp_path, kept, capsys, "--json"))
    assert said["backups_removed"] == [str(removed)], said
    assert said["backups_not_removed"] == [{"path": str(kept), "reason": "Operation not permitted"}], said
    assert said["applied_now"]


def test_serve_s_line_says_it(
    tmp_path: Path, stuck: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    kept, _ = stuck
    log = _log_0017(tmp_path / "log")
    settings = load_settings(_config(tmp_path, kept.parent, kept=1))
    with caplog.at_level("WARNING", logger="triage.service"):
        Databases(log, 1000, settings.database.upgrade_backups()).migrate()
    [line] = [r.getMessage() for r in caplog.records if "upgraded from schema 17" in r.getMessage()]
    assert _why(kept) in line, line


def test_a_command_upgrading_on_opening_logs_it(
    tmp_path: Path, stuck: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """`connect()` (the device gateway, `facilities load`, `acknowledge` ...) says nothing else of
    its upgrade: the log gets the line."""
    kept, removed = stuck
    log = _log_0017(tmp_path / "log")
    with caplog.at_level("WARNING", logger="referral.backup"):
        connect(log, backups=UpgradeBackups(kept.parent, 1)).close()
    said = [r.getMessage() for r in caplog.records if r.name == "referral.backup"]
    assert said == [
        f"referral log {log} upgraded; its backup taken first is {_backups(kept.parent)[-1]}; removed 1 older"
        f" automatic backup of it there (database.upgrade_backups_kept): {removed.name}{_why(kept)}"
    ], said

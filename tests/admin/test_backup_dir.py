"""`database.backup_dir` and `database.upgrade_backups_kept`: the backup an upgrade takes first
goes to the folder the administrator chose (it lay beside the log, on the same disk, always), and
the automatic ones are removed beyond the newest N - each was a full copy of the log kept for
ever. A backup someone took (`triage referrals backup`), another log's, or any other file there is
never removed. A folder that is not there, is a file, is read-only or not this user's to write
stops every command with one line naming the file or variable and the key. Real files and, for
the read-only folder, a real read-only tmpfs."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from referral.backup import UpgradeBackups
from referral.schema import connect
from tests.admin.settings_said import refused, written
from tests.referral.test_audit_rows_upgrade import _log_0017
from tests.referral.test_upgrade_backup import _at_schema_17, _backups, _content
from tests.service.test_full_disk_readiness import tmpfs
from triage.cli import main
from triage.service.database import Databases
from triage.settings import load_settings

OLDER = ("20250101T000000Z", "20250601T000000Z", "20251201T000000Z")


def _config(tmp_path: Path, backup_dir: Path, kept: int | None = None) -> Path:
    config = tmp_path / "clinic.toml"
    keep = "" if kept is None else f"upgrade_backups_kept = {kept}\n"
    config.write_text(f'[database]\nbackup_dir = "{backup_dir}"\n{keep}', encoding="utf-8")
    return config


def _folder_with_other_files(tmp_path: Path) -> tuple[Path, list[Path], list[Path]]:
    """A backup folder holding three older automatic backups of ``old.db`` (real copies) and
    files that are not: a manual backup, another log's automatic one, a note named alike."""
    folder = tmp_path / "backups"
    folder.mkdir()
    source = _log_0017(tmp_path / "source")
    automatic = []
    for stamp in OLDER:
        copy = folder / f"old.before-upgrade.schema17.{stamp}.db"
        shutil.copyfile(source, copy)
        automatic.append(copy)
    others = [
        folder / "old-2025-11-30.db",  # `triage referrals backup --out backups/old-2025-11-30.db`
        folder / "clinic.before-upgrade.schema17.20240101T000000Z.db",  # another log's
        folder / "old.before-upgrade.schema17.20240101T000000Z.db.txt",  # a note about one
        folder / "old.before-upgrade.schema17.20240101T000000Z.db.partial.txt",  # no copy of ours
    ]
    for path in others:
        shutil.copyfile(source, path)
    return folder, automatic, others


def test_migrate_writes_the_upgrade_backup_in_backup_dir_not_beside_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    log = _log_0017(tmp_path / "log")
    config = _config(tmp_path, folder)
    assert main(["--config", str(config), "referrals", "migrate", "--db", str(log)]) == 0
    [backup] = _backups(folder)
    assert _backups(log.parent) == []
    assert f"backed up (checked) at {backup}" in capsys.readouterr().out
    _at_schema_17(backup)


def test_the_newest_automatic_backups_are_kept_and_nothing_else_is_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, automatic, others = _folder_with_other_files(tmp_path)
    log = _log_0017(tmp_path / "log")
    config = _config(tmp_path, folder, kept=2)
    capsys.readouterr()
    assert main(["--config", str(config), "referrals", "migrate", "--db", str(log), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    kept = _backups(folder)
    assert kept == [automatic[2], Path(said["backup"])], kept  # the newest older one and the new one
    assert said["backups_removed"] == [str(automatic[0]), str(automatic[1])], said
    assert all(path.exists() for path in others), sorted(p.name for p in folder.iterdir())


def test_the_text_names_the_backups_it_removed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, automatic, _ = _folder_with_other_files(tmp_path)
    log = _log_0017(tmp_path / "log")
    config = _config(tmp_path, folder, kept=3)
    assert main(["--config", str(config), "referrals", "migrate", "--db", str(log)]) == 0
    out = capsys.readouterr().out
    assert (
        f"; removed 1 older automatic backup of it there (database.upgrade_backups_kept): {automatic[0].name}"
    ) in out, out
    assert _backups(folder)[:2] == automatic[1:]


def test_the_default_keeps_three_beside_the_log(tmp_path: Path) -> None:
    log = _log_0017(tmp_path / "log")
    source = _log_0017(tmp_path / "source")
    for stamp in OLDER:
        shutil.copyfile(source, log.parent / f"old.before-upgrade.schema17.{stamp}.db")
    settings = load_settings(None)
    assert (settings.database.backup_dir, settings.database.upgrade_backups_kept) == (None, 3)
    connect(
        log, backups=settings.database.upgrade_backups()
    ).close()  # `facilities load`, `devices listen` ...
    assert [p.name for p in _backups(log.parent)][:2] == [
        f"old.before-upgrade.schema17.{s}.db" for s in OLDER[1:]
    ]
    assert len(_backups(log.parent)) == 3


def test_serve_start_up_writes_it_there_and_says_what_it_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, automatic, others = _folder_with_other_files(tmp_path)
    log = _log_0017(tmp_path / "log")
    settings = load_settings(_config(tmp_path, folder, kept=1))
    with caplog.at_level("WARNING", logger="triage.service"):
        Databases(log, 1000, settings.database.upgrade_backups()).migrate()
    [backup] = _backups(folder)
    [line] = [r.getMessage() for r in caplog.records if "upgraded from schema 17" in r.getMessage()]
    assert f"`triage referrals restore --from {backup}`" in line, line
    assert (
        f"removed 3 older automatic backups of it there (database.upgrade_backups_kept): {automatic[0].name}, "
        in line
    )
    assert all(path.exists() for path in others)


@pytest.mark.parametrize("kept", [0, -1, "two"])
def test_a_count_below_one_or_not_a_number_names_file_and_key(tmp_path: Path, kept: object) -> None:
    config = written(tmp_path, f"[database]\nupgrade_backups_kept = {json.dumps(kept)}\n")
    said = refused(config)
    assert said.startswith(f"settings file {config}: database.upgrade_backups_kept: "), said


def test_a_backup_dir_that_is_not_there_names_file_key_and_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    config = _config(tmp_path, missing)
    said = refused(config)
    assert said == (
        f"settings file {config}: database.backup_dir: {missing} does not exist; create it (mkdir -p"
        f" {missing}), owned by the service's user; or leave backup_dir out to keep the backups an"
        " upgrade takes beside the log"
    )
    code = main(["--config", str(config), "referrals", "migrate", "--db", str(tmp_path / "x.db")])
    assert code == 2 and not (tmp_path / "x.db").exists()


def test_a_backup_dir_that_is_a_file_from_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "backups"
    a_file.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_DATABASE__BACKUP_DIR", str(a_file))
    said = refused(None)
    assert said.startswith(
        f'environment variable TRIAGE_DATABASE__BACKUP_DIR="{a_file}": {a_file} is a file, not a folder;'
    ), said


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "ro", "ro,size=1m") as mount:
        yield mount


def test_a_read_only_backup_dir_is_refused(tmp_path: Path, read_only_folder: Path) -> None:
    config = _config(tmp_path, read_only_folder)
    said = refused(config)
    assert said.startswith(
        f"settings file {config}: database.backup_dir: {read_only_folder} is on a read-only filesystem;"
    ), said


def _as_nobody(backup_dir: Path) -> str:
    """What ``load_settings`` says, run as the user nobody with ``TRIAGE_DATABASE__BACKUP_DIR``.

    In a forked child that drops root for uid/gid 65534 after the project is imported: a new
    interpreter run as nobody would have to read the checkout and its venv, which a clean clone
    under a 0700 folder (mktemp -d, CI's) does not let it - the test then said 'No module named
    triage' instead of what the administrator reads."""
    if os.geteuid() != 0:
        pytest.skip("running as another user needs root")
    from triage.errors import ConfigError

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.environ["TRIAGE_DATABASE__BACKUP_DIR"] = str(backup_dir)
            try:
                load_settings(None)
                said = ""
            except ConfigError as error:
                said = str(error)
            os.write(write_end, said.encode())
        except BaseException as error:
            os.write(write_end, f"child failed: {error!r}".encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, said
    return said.strip()


def test_a_backup_dir_this_user_may_not_write_says_whose_it_is() -> None:
    with tempfile.TemporaryDirectory() as top:
        folder = Path(top) / "backups"
        folder.mkdir()
        Path(top).chmod(0o755)
        folder.chmod(0o755)
        said = _as_nobody(folder)
    assert said == (
        f'environment variable TRIAGE_DATABASE__BACKUP_DIR="{folder}": this user, nobody (uid 65534),'
        f" may not write in {folder} (owner root (uid 0), mode 0755): run this as its owner, the service's"
        " user (sudo -u root ...), or give it to this user; or leave backup_dir out to keep the backups an"
        " upgrade takes beside the log"
    ), said


def test_a_backup_dir_this_user_cannot_reach_is_not_said_missing(tmp_path: Path) -> None:
    """Under a folder nobody may enter (pytest's own, 0700): it is there, but out of reach - a
    PermissionError traceback, or "does not exist", would send the administrator the wrong way."""
    folder = tmp_path / "backups"
    folder.mkdir()
    said = _as_nobody(folder)
    assert said.startswith(
        f'environment variable TRIAGE_DATABASE__BACKUP_DIR="{folder}": this user, nobody (uid 65534),'
        f" cannot reach {folder} (Permission denied); check the folders above it"
    ), said


def test_upgrade_backups_default_is_beside_the_log_keeping_three() -> None:
    assert UpgradeBackups() == UpgradeBackups(None, 3)


def test_the_device_gateway_upgrading_a_log_writes_its_backup_there_too(tmp_path: Path) -> None:
    """`triage devices listen` run on its own opens the log first: its upgrade's backup too."""
    from devices.gateway import Gateway

    folder = tmp_path / "backups"
    folder.mkdir()
    log = _log_0017(tmp_path / "log")
    settings = load_settings(_config(tmp_path, folder))
    Gateway([], log, upgrade_backups=settings.database.upgrade_backups())._db.close()
    [backup] = _backups(folder)
    assert _backups(log.parent) == []
    _at_schema_17(backup)


def test_no_room_in_backup_dir_refuses_the_upgrade_naming_that_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The room asked for is backup_dir's (a real full tmpfs), not the log's folder's, which has plenty."""
    from tests.service.test_full_disk_readiness import _fill

    with tmpfs(tmp_path / "disk", "size=1m") as folder:
        _fill(folder)
        log = _log_0017(tmp_path / "log")
        before = _content(log)  # opening it in WAL mode rewrites two header bytes, nothing else
        capsys.readouterr()
        assert (
            main(["--config", str(_config(tmp_path, folder)), "referrals", "migrate", "--db", str(log)]) == 2
        )
        err = capsys.readouterr().err
        assert (
            f"the backup taken before an upgrade could not be written at {folder}/old.before-upgrade.schema17."
            in err
        )
        assert "bytes free there, the copy needs" in err and "the log is unchanged" in err, err
        assert _content(log) == before and _backups(folder) == []


def test_a_copy_an_upgrade_left_unfinished_is_removed_with_the_older_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A power cut or kill while an upgrade wrote its backup leaves `<name>.partial` (and SQLite's
    `-journal` beside it): never a backup (not checked, never renamed), as large as the log, and
    kept for good. The next upgrade of that log removes it (it holds the log's lock: no other
    upgrade of it is writing one)."""
    folder = tmp_path / "backups"
    folder.mkdir()
    stale = [folder / f"old.before-upgrade.schema17.{OLDER[0]}.db.partial{end}" for end in ("", "-journal")]
    for path in stale:
        path.write_bytes(b"cut short")
    log = _log_0017(tmp_path / "log")
    capsys.readouterr()
    assert (
        main(["--config", str(_config(tmp_path, folder)), "referrals", "migrate", "--db", str(log), "--json"])
        == 0
    )
    said = json.loads(capsys.readouterr().out)
    assert said["backups_removed"] == [str(p) for p in stale], said
    assert not any(p.exists() for p in stale) and len(_backups(folder)) == 1

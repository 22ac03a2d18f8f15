"""A path setting given empty - `backup_dir = ""`, a cleared `TRIAGE_DATABASE__BACKUP_DIR=` meant
as "unset", `[database] path = ""` - was read as "." (pathlib), the working folder: the backups an
upgrade takes went into whatever folder the command ran in, and the log path named a folder. An
empty one is now a settings mistake naming where it was written and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.admin.settings_said import refused, written


@pytest.mark.parametrize(
    ("table", "key"), [("database", "backup_dir"), ("database", "path"), (None, "data_dir")]
)
def test_an_empty_path_in_the_file_is_refused_naming_the_key(
    tmp_path: Path, table: str | None, key: str
) -> None:
    config = written(tmp_path, (f"[{table}]\n" if table else "") + f'{key} = "  "\n')
    said = refused(config)
    dotted = f"{table}.{key}" if table else key
    assert said.startswith(f"settings file {config}: {dotted}: empty: give a path"), said


def test_a_cleared_backup_dir_variable_is_refused_not_read_as_the_working_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE__BACKUP_DIR", "")
    said = refused(None)
    assert said == (
        'environment variable TRIAGE_DATABASE__BACKUP_DIR="": empty: give a path, or leave the setting'
        " out (unset the variable) for its default"
    )

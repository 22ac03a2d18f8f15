"""A table of the settings written as one value - `database = "/srv/clinic.db"` for `[database]
path = ...` - said "Input should be a valid dictionary or instance of DatabaseSettings", a Python
class to the administrator; it says it is a table, how to write one and its keys. A table given
as JSON in one variable (`TRIAGE_DATABASE='{"path": 5}'`) named no variable ("settings:
database.path: ..."); it names that variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.admin.settings_said import refused, written


def test_a_table_given_one_value_says_how_a_table_is_written(tmp_path: Path) -> None:
    config = written(tmp_path, 'database = "/srv/clinic.db"\n')
    assert refused(config) == (
        f"settings file {config}: database: a table, not one value: write [database] on a line of its"
        " own and its keys under it (path = ...); keys: path, busy_timeout_ms, backup_dir,"
        " upgrade_backups_kept"
    )


def test_a_key_of_a_table_given_as_json_in_one_variable_names_that_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE", '{"path": 5}')
    assert refused(None) == (
        'environment variable TRIAGE_DATABASE="{\\"path\\": 5}": database.path: not a path: write it as'
        ' text in quotes, e.g. "/var/lib/clinic-triage"'
    )

"""A setting written in the wrong table - `backup_dir = ...` at the top of the file where it is
`[database] backup_dir`, `port = 8080` outside `[service]` - said "unknown key" and listed the keys
of the table it was in, none of them the one meant: the administrator did not learn that the key
exists, nor where. Now the line says which table has it, and how to write it there."""

from __future__ import annotations

from pathlib import Path

from tests.admin.settings_said import refused, written


def _refused(tmp_path: Path, text: str) -> str:
    config = written(tmp_path, text)
    said = refused(config)
    return said.removeprefix(f"settings file {config}: ")


def test_a_key_of_a_table_written_at_the_top_says_which_table_has_it(tmp_path: Path) -> None:
    assert _refused(tmp_path, 'backup_dir = "/backup/clinic"\n') == (
        "backup_dir: unknown key here; it is a key of [database]: write it under [database]"
        " (TRIAGE_DATABASE__BACKUP_DIR); known here: data_dir, clinic_id, log_level, database, models,"
        " policy, service, gateway, device_associations"
    )


def test_a_key_in_the_wrong_table_says_which_table_has_it(tmp_path: Path) -> None:
    assert _refused(tmp_path, "[database]\nport = 8080\n") == (
        "database.port: unknown key here; it is a key of [service]: write it under [service]"
        " (TRIAGE_SERVICE__PORT); known here: path, busy_timeout_ms, backup_dir, upgrade_backups_kept"
    )


def test_a_misspelt_key_no_table_has_is_said_as_before(tmp_path: Path) -> None:
    assert _refused(tmp_path, "[database]\npaht = 1\n") == (
        "database.paht: unknown key; known: path, busy_timeout_ms, backup_dir, upgrade_backups_kept"
    )

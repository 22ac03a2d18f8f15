"""Settings errors read as the clinic's IT person needs them; a retired setting is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from triage.errors import ConfigError
from triage.settings import load_settings


def test_a_validator_message_is_not_prefixed_with_pydantics_value_error(tmp_path: Path) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text('[service]\ntimezone = "Mars/Base"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert str(info.value) == (
        f'settings file {config}: service.timezone: unknown time zone "Mars/Base":'
        " give an IANA name, e.g. Asia/Shanghai"
    )


def test_the_never_used_session_key_is_refused_from_the_file(tmp_path: Path) -> None:
    """service.secret_key was read, stored in data_dir/secret_key and used by nothing: an operator
    who rotated it to end every staff session would have ended none."""
    config = tmp_path / "clinic.toml"
    config.write_text('[service]\nsecret_key = "' + "k" * 48 + '"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert message.startswith(f"settings file {config}: service.secret_key: not used: ")
    assert message.endswith("remove the setting")


def test_the_never_used_session_key_is_refused_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_SERVICE__SECRET_KEY", "k" * 48)
    with pytest.raises(ConfigError) as info:
        load_settings(None)
    assert str(info.value).startswith("environment variable TRIAGE_SERVICE__SECRET_KEY=")
    assert "service.secret_key" not in str(info.value) and ": not used: " in str(info.value)


def test_the_service_writes_no_session_key_file(tmp_path: Path) -> None:
    from triage.service.app import create_app

    settings = load_settings(None, data_dir=tmp_path / "data", database={"path": tmp_path / "clinic.db"})
    create_app(settings)
    assert not (tmp_path / "data" / "secret_key").exists()


def test_a_misspelt_key_lists_the_keys_there_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'databse: Extra inputs are not permitted' did not say that it was a typo, nor what to write."""
    config = tmp_path / "clinic.toml"
    config.write_text('[databse]\npath = "x.db"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert str(info.value) == (
        f"settings file {config}: databse: unknown key; known: data_dir, clinic_id, log_level,"
        " database, models, policy, service, gateway, device_associations"
    )
    monkeypatch.setenv("TRIAGE_DATABASE__PAHT", "/srv/clinic.db")
    with pytest.raises(ConfigError) as info:
        load_settings(None)
    assert str(info.value) == (
        'environment variable TRIAGE_DATABASE__PAHT="/srv/clinic.db": unknown key; known: path,'
        " busy_timeout_ms, backup_dir, upgrade_backups_kept"
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "TRIAGE_MODELS__ENABLED",
            "cvd10",
            'environment variable TRIAGE_MODELS__ENABLED="cvd10": a list is written as JSON, e.g.'
            " TRIAGE_MODELS__ENABLED='[\"cvd10\"]'",
        ),
        (
            "TRIAGE_SERVICE",
            "port=8080",
            'environment variable TRIAGE_SERVICE="port=8080": a table is written as JSON (\'{"key": value}\'),'
            " or set each key alone (TRIAGE_SERVICE__KEY=value)",
        ),
    ],
)
def test_a_list_or_table_from_the_environment_that_is_not_json_names_the_variable(
    variable: str, value: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It was a pydantic-settings SettingsError traceback: 'error parsing value for field "models"'."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings(None)
    assert str(info.value) == expected
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        (
            "TRIAGE_DATABASE_PATH",
            'environment variable TRIAGE_DATABASE_PATH="/srv/clinic.db": no such setting; a key inside a'
            " table takes two underscores: TRIAGE_DATABASE__PATH",
        ),
        (
            "TRIAGE_SERVCE__PORT",
            'environment variable TRIAGE_SERVCE__PORT="/srv/clinic.db": unknown setting "servce"; known:'
            " data_dir, clinic_id, log_level, database, models, policy, service, gateway, device_associations",
        ),
    ],
)
def test_a_variable_meant_as_a_setting_but_naming_none_is_refused(
    variable: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pydantic-settings ignores a TRIAGE_ variable naming no setting: one underscore too few left
    the service on var/clinic.db in its working folder without a word."""
    monkeypatch.setenv(variable, "/srv/clinic.db")
    with pytest.raises(ConfigError) as info:
        load_settings(None)
    assert str(info.value) == expected


def test_other_triage_variables_are_not_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_BENCH_REPORTS", "/tmp/reports")  # a benchmark's, not a setting
    monkeypatch.setenv("TRIAGE_DATA_DIR", "/srv/triage")
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "info")
    settings = load_settings(None)
    assert settings.data_dir == Path("/srv/triage") and settings.log_level == "INFO"


def test_every_setting_is_in_the_administrators_table() -> None:
    """A setting read but not documented (`log_level`, `clinic_id`, `database.busy_timeout_ms` were
    in no table): the clinic's IT person learns the keys from docs/service.md."""
    from triage.settings import Settings
    from triage.tomlfile import is_table

    def keys(model: Any, prefix: str = "") -> list[str]:
        found = []
        for name, field in model.model_fields.items():
            if is_table(field.annotation):
                found += keys(field.annotation, f"{prefix}{name}.")
            else:
                found.append(prefix + name)
        return found

    docs = Path(__file__).resolve().parents[2] / "docs" / "service.md"
    table = (
        docs.read_text(encoding="utf-8")
        .split("Every setting (`triage/settings.py`", 1)[1]
        .split("\n\n", 2)[1]
    )
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    listed = {key.strip(" `") for row in rows for key in row.split(",")}
    assert sorted(set(keys(Settings)) - listed) == []
    assert sorted(listed - set(keys(Settings))) == []


def test_a_settings_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Notepad's UTF-8 writes a byte order mark: start-up stopped with 'invalid TOML: Invalid
    statement (at line 1, column 1)' on a settings file that reads right."""
    config = tmp_path / "clinic.toml"
    config.write_bytes(b"\xef\xbb\xbf[service]\nport = 8123\n")
    assert load_settings(config).service.port == 8123

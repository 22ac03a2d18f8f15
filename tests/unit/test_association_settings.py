"""The device association maximum duration setting: TOML, environment, bounds, clear errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from referral import associations
from triage.errors import ConfigError
from triage.settings import MAX_ASSOCIATION_S, MIN_ASSOCIATION_S, load_settings


def test_default_is_twelve_hours_and_the_bounds_are_the_storage_layers() -> None:
    assert (
        load_settings().device_associations.max_duration
        == associations.DEFAULT_DURATION
        == timedelta(hours=12)
    )
    assert timedelta(seconds=MIN_ASSOCIATION_S) == associations.MIN_DURATION
    assert timedelta(seconds=MAX_ASSOCIATION_S) == associations.MAX_DURATION


def test_toml_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text("[device_associations]\nmax_duration_s = 60\n", encoding="utf-8")
    assert load_settings(config).device_associations.max_duration == timedelta(minutes=1)
    monkeypatch.setenv("TRIAGE_DEVICE_ASSOCIATIONS__MAX_DURATION_S", str(7 * 24 * 3600))
    assert load_settings(config).device_associations.max_duration == timedelta(days=7), "the environment wins"


@pytest.mark.parametrize("seconds", [0, 59, 7 * 24 * 3600 + 1])
def test_out_of_range_is_a_config_error_naming_the_setting(tmp_path: Path, seconds: int) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text(f"[device_associations]\nmax_duration_s = {seconds}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert str(info.value) == (
        f"settings file {config}: device_associations.max_duration_s:"
        f" {seconds} seconds is outside 60 (1 minute) .. 604800 (7 days)"
    )


def test_unknown_key_in_the_section_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text("[device_associations]\nmax_hours = 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"device_associations\.max_hours"):
        load_settings(config)


def test_an_invalid_environment_variable_is_named_not_blamed_on_the_file(tmp_path, monkeypatch) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text("[service]\nport = 8080\n", encoding="utf-8")
    monkeypatch.setenv("triage_service__port", "eighty")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    message = str(info.value)
    assert message.startswith('environment variable triage_service__port="eighty": '), message
    assert "clinic.toml" not in message


def test_an_invalid_value_in_the_file_names_the_file_and_the_dotted_field(tmp_path) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text('[service]\nport = "eighty"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert str(info.value).startswith(f"settings file {config}: service.port: "), str(info.value)

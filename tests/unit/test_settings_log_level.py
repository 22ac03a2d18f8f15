"""The `log_level` setting took DEBUG, INFO, WARNING and ERROR only, while `triage serve --log-level`
also takes critical and trace: `log_level = "trace"` stopped start-up ('Input should be "DEBUG",
"INFO", "WARNING" or "ERROR"') although `--log-level trace` ran. Both take one list now
(``triage.settings.LOG_LEVELS``, uvicorn's), and the settings error names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral.errors import ConfigError
from triage import cli
from triage.settings import LOG_LEVELS, load_settings

ALLOWED = "choose one of critical, error, warning, info, debug, trace (any case)"


@pytest.mark.parametrize("level", LOG_LEVELS)
def test_every_level_serve_takes_is_a_setting_too(tmp_path: Path, level: str) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text(f'log_level = "{level}"\n', encoding="utf-8")
    assert load_settings(config).log_level == level.upper()


def test_serve_s_option_and_the_setting_share_the_list() -> None:
    from triage.cli import serve

    assert serve.LOG_LEVELS is LOG_LEVELS


def test_an_unknown_level_names_the_allowed_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text(
        f'log_level = "verbose"\n[database]\npath = "{tmp_path / "clinic.db"}"\n', encoding="utf-8"
    )
    # an address nothing can listen on: without the check, serve stops there instead of serving
    assert cli.main(["--config", str(config), "serve", "--host", "999.1.1.1"]) == 2
    assert (
        capsys.readouterr().err == f"error: settings file {config}: log_level: not a log level: {ALLOWED}\n"
    )


def test_an_unknown_level_in_the_environment_names_the_allowed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "7")
    with pytest.raises(ConfigError) as info:
        load_settings(None)
    assert str(info.value) == f'environment variable TRIAGE_LOG_LEVEL="7": not a log level: {ALLOWED}'

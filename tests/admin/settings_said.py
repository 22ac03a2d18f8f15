"""What the settings say when they are refused: one helper for the administrator's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.errors import ConfigError
from triage.settings import load_settings


def written(tmp_path: Path, text: str) -> Path:
    """A settings file holding ``text``."""
    config = tmp_path / "clinic.toml"
    config.write_text(text, encoding="utf-8")
    return config


def refused(config: Path | None) -> str:
    """The one line ``load_settings`` refuses ``config`` (``None``: the environment alone) with."""
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    return str(info.value)

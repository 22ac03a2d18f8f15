"""What every CLI command receives: the settings, built once on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from triage.settings import Settings


@dataclass
class AppContext:
    config_path: Path | None = None
    debug: bool = False
    #: the referral log a command opened, for naming it in a SQLite error (full disk, damaged file)
    database: Path | None = None
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from triage.settings import load_settings

            self._settings = load_settings(self.config_path)
        return self._settings

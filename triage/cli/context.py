"""What every CLI command receives: the settings, built once on first use, and the clinic's clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from referral.clock import Clock

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

    @property
    def clock(self) -> Clock:
        """The clinic's clock (``[service] timezone``; unset: the machine's zone): its day is the
        queue's and an attachment's ``--mrn`` visit's."""
        return Clock.named(self.settings.service.timezone)

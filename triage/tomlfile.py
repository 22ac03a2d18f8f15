"""Reading the clinic's TOML files (settings, policy): every way a file can be unreadable is one
``ConfigError`` naming what it is and where."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from triage.errors import ConfigError


def read_toml_file(path: Path, what: str) -> dict[str, Any]:
    """The TOML document at ``path``; ``what`` names it in errors (e.g. ``"policy file"``)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"{what} {path} is a directory; give the TOML file") from None
    except OSError as exc:  # no permission, a socket or device: was a traceback
        raise ConfigError(
            f"{what} {path}: cannot read the file ({exc.strerror or exc}); check that it is a file this user can read"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {path}: byte {exc.start} is not UTF-8; save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path}: invalid TOML: {exc}") from None

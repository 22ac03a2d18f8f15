"""A settings file this user may not read (``--config``): click said only 'Path "..." is not
readable'. Now one line naming the file, its owner and mode and what to do, as the referral log's
message does. A real file and a real process; as root, without the capabilities that let root
read any file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.referral.test_log_access import OTHER_UID, TRIAGE, as_a_user_who_may_not


def test_an_unreadable_settings_file_says_whose_it_is_its_mode_and_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text("[service]\nport = 8001\n", encoding="utf-8")
    prefix, owner = as_a_user_who_may_not(config)
    result = subprocess.run(
        [*prefix, TRIAGE, "--config", str(config), "models", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    said = _said(config, prefix, owner)
    assert result.stderr == f"error: settings file {config} (--config): {said}\n"


def test_an_unreadable_settings_file_from_the_environment_says_the_same(tmp_path: Path) -> None:
    """``$TRIAGE_CONFIG`` instead of ``--config``: it said only 'cannot read the file (Permission
    denied)', without the owner, the mode or what to do."""
    config = tmp_path / "clinic.toml"
    config.write_text("[service]\nport = 8001\n", encoding="utf-8")
    prefix, owner = as_a_user_who_may_not(config)
    result = subprocess.run(
        [*prefix, TRIAGE, "models", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TRIAGE_CONFIG": str(config)},
    )
    assert result.returncode == 2, result.stderr
    said = _said(config, prefix, owner)
    assert result.stderr == f"error: settings file {config} ($TRIAGE_CONFIG): {said}\n"


def _said(config: Path, prefix: list[str], owner: str) -> str:
    """What the line says after the file's name."""
    if prefix:
        return (
            f"this user, root (uid 0), may not read it (owner {owner}, mode 0600): run this as its owner,"
            f" the service's user (sudo -u '#{OTHER_UID}' ...), or let this user read it (chmod o+r {config})"
        )
    return f"this user, {owner}, its owner, may not read it (mode 0000): chmod u+r {config}"

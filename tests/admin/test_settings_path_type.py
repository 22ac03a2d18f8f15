"""A path setting given as something else - a number, true, a list - said "Input is not a valid path
for <class 'pathlib.Path'>", a Python class name to the clinic's administrator; it says what a
path is written as in the settings file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.admin.settings_said import refused, written


@pytest.mark.parametrize("value", ["5", "true", '["/backup"]'])
def test_a_path_setting_that_is_not_text_says_how_to_write_it(tmp_path: Path, value: str) -> None:
    config = written(tmp_path, f"[database]\nbackup_dir = {value}\n")
    assert refused(config) == (
        f"settings file {config}: database.backup_dir: not a path: write it as text in quotes, e.g."
        ' "/var/lib/clinic-triage"'
    )

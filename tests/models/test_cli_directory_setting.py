"""`triage models ...` with the settings' models.directory naming a folder without registry.json
said "error: model registry /srv/models/registry.json does not exist", exit 1 - not which setting
gave that folder, nor the settings file or variable it was written in, and exit 1 (something
missing met) where `triage serve` says the same folder is a settings mistake (exit 2, named where
it was set). Now every `triage models` command says it as serve does. Real processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.running import TRIAGE, environment

NOT_MODELS = (
    "has no registry.json: not a folder of risk models (docs/models.md); leave models.directory out for the"
    " shipped models\n"
)


@pytest.mark.parametrize("command", [["list"], ["show", "ckd"], ["verify"]])
def test_a_models_directory_without_a_registry_is_named_where_it_was_set(
    tmp_path: Path, command: list[str]
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    said = subprocess.run(
        [TRIAGE, "models", *command],
        env=environment(TRIAGE_MODELS__DIRECTORY=str(folder)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (said.returncode, said.stdout) == (2, ""), said.stderr
    assert (
        said.stderr
        == f'error: environment variable TRIAGE_MODELS__DIRECTORY="{folder}": {folder} {NOT_MODELS}'
    )
    config = tmp_path / "clinic.toml"
    config.write_text(f'[models]\ndirectory = "{folder}"\n', encoding="utf-8")
    said = subprocess.run(
        [TRIAGE, "--config", str(config), "models", *command],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (said.returncode, said.stdout) == (2, ""), said.stderr
    assert said.stderr == f"error: settings file {config}: models.directory: {folder} {NOT_MODELS}"

"""A file or folder the settings name that is not there stops `triage serve` naming the setting
and where it was written, exit 2 - a settings mistake, which the documented systemd unit does not
restart. `policy.file` said only "policy file PATH does not exist" (which setting? which file?);
`models.directory` without a registry said "model registry PATH does not exist" with exit 1, which
`Restart=on-failure` restarted every 5 s for good; a missing `gateway.profiles` entry did not say
it came from the settings. Real `triage serve` processes; nothing is bound."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.service.test_serve_startup import TRIAGE, environment


def _serve(tmp_path: Path, settings: str, **variables: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "clinic.toml"
    config.write_text(settings, encoding="utf-8")
    return subprocess.run(
        [TRIAGE, "--config", str(config), "serve", "--port", "0"],
        env=environment() | {"TRIAGE_DATABASE__PATH": str(tmp_path / "clinic.db")} | variables,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_policy_file_that_is_not_there_names_the_setting_and_the_settings_file(tmp_path: Path) -> None:
    missing = tmp_path / "etc" / "policy.toml"
    done = _serve(tmp_path, f'[policy]\nfile = "{missing}"\n')
    assert (done.returncode, done.stderr) == (
        2,
        f"error: settings file {tmp_path / 'clinic.toml'}: policy.file: {missing} does not exist; give the"
        " clinic's policy TOML, or leave policy.file out for the built-in policy\n",
    )
    done = _serve(tmp_path, "", TRIAGE_POLICY__FILE=str(missing))
    assert done.stderr.startswith(
        f'error: environment variable TRIAGE_POLICY__FILE="{missing}": {missing} does'
    ), done.stderr
    assert not (tmp_path / "clinic.db").exists()


def test_a_models_directory_without_a_registry_is_a_settings_mistake_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    done = _serve(tmp_path, f'[models]\ndirectory = "{folder}"\n')
    assert (done.returncode, done.stderr) == (
        2,
        f"error: settings file {tmp_path / 'clinic.toml'}: models.directory: {folder} has no registry.json:"
        " not a folder of risk models (docs/models.md); leave models.directory out for the shipped models\n",
    )


def test_a_device_profile_that_is_not_there_names_the_setting(tmp_path: Path) -> None:
    missing = tmp_path / "analyzer.toml"
    done = _serve(tmp_path, f'[gateway]\nprofiles = ["{missing}"]\n')
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        f"error: settings file {tmp_path / 'clinic.toml'}: gateway.profiles.0: {missing}: device profile not found"
    ), done.stderr


def test_the_demo_names_the_policy_setting_too(tmp_path: Path) -> None:
    missing = tmp_path / "policy.toml"
    done = subprocess.run(
        [TRIAGE, "demo", "--port", "0", "--data-dir", str(tmp_path / "demo")],
        env=environment() | {"TRIAGE_POLICY__FILE": str(missing)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith(
        f'error: environment variable TRIAGE_POLICY__FILE="{missing}": {missing} does not exist; give the'
    ), done.stderr

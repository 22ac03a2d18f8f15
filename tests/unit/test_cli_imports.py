"""`triage --help` lists every command without importing what only a command's run needs.

Every `triage` process imported ``triage.cli``, and with it ``triage.cli.assess``'s engine
(``triage.assess``, the Assessment models, the policy: ~0.2 s of CPU, 0.5 s on a loaded machine),
whatever the command: each user command and each test that runs `triage` as a process paid it.
Checked with Python's own ``-X importtime`` on the real console script.

The referral log's storage (sqlite-utils, 0.4-0.9 s of CPU) and the settings' loader
(pydantic-settings) came with every process too: the command modules imported the referral
modules at their top, ``triage.settings`` imported ``referral.associations`` for three duration
bounds, ``serve`` imported ``triage.settings`` for its log levels.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TRIAGE = str(Path(sys.executable).with_name("triage"))

#: Imported only when a command that needs them runs.
NOT_FOR_HELP = (
    "triage.assess",
    "triage.assess_request",
    "triage.assessment",
    "triage.policy",
    "pandas",
    "onnxruntime",
    "sklearn",
    "sqlite_utils",
    "pydantic_settings",
)
#: Imported only when a command opens the referral log.
NOT_WITHOUT_THE_LOG = ("sqlite_utils", "pandas")
COMMANDS = ("assess", "models", "devices", "referrals", "study", "report", "serve", "demo")


def imported_by(*args: str) -> tuple[str, set[str]]:
    """The output of ``triage ARGS`` and every module its process imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", TRIAGE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    # a package imported by importlib.import_module is not reported, only the modules it imports
    return done.stdout, modules | {name.split(".", 1)[0] for name in modules}


def test_help_lists_every_command_without_their_engines() -> None:
    shown, modules = imported_by("--help")
    for command in COMMANDS:
        assert f" {command} " in shown, f"`triage --help` does not list {command}"
    assert "typer" in modules, "the import report was read"
    assert sorted(set(NOT_FOR_HELP) & modules) == []


def test_assess_help_shows_its_options_without_the_engine() -> None:
    shown, modules = imported_by("assess", "--help")
    assert "--schema" in shown and "--no-models" in shown
    assert sorted(set(NOT_FOR_HELP) & modules) == []


def test_the_settings_load_without_the_referral_logs_storage() -> None:
    probe = (
        "import sys\n"
        "from triage.settings import Settings, load_settings\n"
        "assert load_settings(None).device_associations.max_duration_s == 12 * 3600\n"
        "print(sorted({'sqlite_utils', 'pandas'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["[]"]


def test_every_groups_help_without_the_referral_log_or_the_settings() -> None:
    for group, option in (("referrals", "verify-audit"), ("devices", "listen"), ("models", "list")):
        shown, modules = imported_by(group, "--help")
        assert option in shown, f"`triage {group} --help` does not list {option}"
        assert sorted(set(NOT_FOR_HELP) & modules) == [], group


def test_a_command_that_never_opens_the_log_does_not_import_its_storage() -> None:
    shown, modules = imported_by("models", "list")
    assert "cvd10" in shown, "models list printed the shipped models"
    assert "pydantic_settings" in modules, "it loaded the settings"
    assert sorted(set(NOT_WITHOUT_THE_LOG) & modules) == []


def test_a_command_imports_no_other_commands_module() -> None:
    """Every `triage` process imported every command's module (the service, the device gateway, the
    study's fitting, the reports: ~0.15-0.3 s of CPU), whichever command it ran; now a command's
    module is imported when that command is used (triage/cli/lazy.py)."""
    modules_of = {f"triage.cli.{command}" for command in COMMANDS}
    shown, modules = imported_by("models", "list")
    assert "cvd10" in shown, "models list printed the shipped models"
    assert "triage.cli.models" in modules, "the import report was read"
    assert sorted(modules_of & modules) == ["triage.cli.models"]
    shown, modules = imported_by("--version")
    assert shown.startswith("clinic-triage ")
    assert sorted(modules_of & modules) == []

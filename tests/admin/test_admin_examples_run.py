"""The administrator's examples under `--help` run as written on a new machine: `triage referrals
migrate --help` showed `triage referrals migrate --db var/clinic.db`, which in a new folder ended
`error: --db var/clinic.db: the folder var does not exist` (a --db is created only in a folder that
exists, ce3ebde), exit 2 - the first command a first-day administrator copies. Each example line,
in order, in an empty folder with no settings, through the real CLI and files."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.unit.test_cli_help_examples import _example_lines
from triage.cli import main


def test_migrate_then_stats_examples_run_in_a_new_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for variable in ("TRIAGE_CONFIG", "TRIAGE_DATABASE__PATH", "TRIAGE_DATABASE__BACKUP_DIR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    for command in (["referrals", "migrate"], ["referrals", "stats"]):
        assert main([*command, "--help"]) == 0
        lines = _example_lines(capsys.readouterr().out)
        assert lines, command
        for line in lines:
            code = main(shlex.split(line))
            assert code == 0, f"triage {line}: {capsys.readouterr().err}"
    assert (tmp_path / "var" / "clinic.db").is_file()


def test_the_settings_file_in_the_examples_is_the_one_the_docs_set_up() -> None:
    """`triage serve --help` showed `--config /etc/clinic-triage/settings.toml`, where docs/service.md
    has the administrator write /etc/clinic-triage/clinic.toml: copied as shown, 'settings file
    /etc/clinic-triage/settings.toml does not exist'."""
    import re

    from triage.cli.help_examples import EXAMPLES

    docs = (Path(__file__).resolve().parents[2] / "docs" / "service.md").read_text(encoding="utf-8")
    set_up = set(re.findall(r"/etc/clinic-triage/[\w.-]+\.toml", docs))
    shown = {
        path for lines in EXAMPLES.values() for line in lines for path in re.findall(r"/etc/\S+\.toml", line)
    }
    assert shown and shown <= set_up, (shown, set_up)

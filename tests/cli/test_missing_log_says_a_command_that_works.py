"""The command a reading command suggests when there is no referral log runs as given, in a new
folder: `triage referrals list` said "... or create a new log there with `triage referrals migrate
--db var/clinic.db`", and that line, copied, ended "error: --db var/clinic.db: the folder var does
not exist" (exit 2) - a log given by --db is created only in a folder that exists (ce3ebde). Real
processes through a shell, as a first-day user pastes the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.running import run as _run


@pytest.mark.parametrize(
    ("command", "log"),
    [
        (["referrals", "list"], "var/clinic.db"),  # the settings' default database.path, in a new folder
        (["referrals", "stats", "--db", "clinic records/clinic.db"], "clinic records/clinic.db"),
        (["devices", "associations", "list", "--db", "clinic records/clinic.db"], "clinic records/clinic.db"),
    ],
)
def test_the_suggested_command_creates_the_log_and_the_command_then_runs(
    tmp_path: Path, command: list[str], log: str
) -> None:
    (tmp_path / "clinic records").mkdir()  # a folder whose name a shell splits unless quoted
    first = _run(command, tmp_path)
    assert first.returncode == 1 and first.stderr.startswith("error: no referral log at "), first.stderr
    suggested = re.findall(r"create a new log there with `([^`]+)`", first.stderr)
    assert len(suggested) == 1, first.stderr
    made = _run(suggested[0], tmp_path)
    assert made.returncode == 0, f"`{suggested[0]}`: {made.stderr}"
    assert (tmp_path / log).is_file()
    again = _run(command, tmp_path)
    assert again.returncode == 0, again.stderr


def test_the_folder_to_make_first_is_said_as_a_shell_takes_it(tmp_path: Path) -> None:
    """'create the folder first (mkdir -p new folder)' made two folders, 'new' and 'folder'."""
    command = ["referrals", "migrate", "--db", "new folder/clinic.db"]
    first = _run(command, tmp_path)
    assert first.returncode == 2, first.stderr
    (mkdir,) = re.findall(r"create the folder first \((mkdir -p .+)\)$", first.stderr.strip())
    assert _run(mkdir, tmp_path).returncode == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["new folder"]
    assert _run(command, tmp_path).returncode == 0 and (tmp_path / "new folder" / "clinic.db").is_file()

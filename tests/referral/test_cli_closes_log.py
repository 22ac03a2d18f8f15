"""`triage referrals migrate`, `facilities load` and `backup` (every referrals command: they open
the log through one function) left the referral log's SQLite connection open after main()
returned: the log, its -wal and its -shm stayed open files of the process until a garbage
collection happened to free them - in a script or test that runs main in-process, and a
ResourceWarning under -W error where Python warns of an unclosed connection (3.13). Now the
command closes it when it ends, as it ends. The real CLI in-process on real SQLite files; the open
files are read from /proc, with the garbage collector off so that it cannot close them first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from referral import facilities
from tests.open_files import ON_LINUX, collector_off, open_under

from .test_cli import run

pytestmark = ON_LINUX


@pytest.fixture
def no_collection() -> Iterator[None]:
    with collector_off():
        yield


@pytest.mark.usefixtures("no_collection")
def test_migrate_load_and_backup_leave_no_file_of_the_log_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "clinic.db"
    commands = {
        "migrate": ["migrate", "--db", str(log)],
        "facilities load": ["facilities", "load", str(facilities.DEMO_CSV), "--db", str(log)],
        "backup": ["backup", "--db", str(log), "--out", str(tmp_path / "backup.db")],
        "migrate again": ["migrate", "--db", str(log), "--json"],
    }
    for name, args in commands.items():
        code, _, err = run(capsys, *args)
        assert code == 0, (name, err)
        assert open_under(tmp_path) == [], f"triage referrals {name} left them open"


@pytest.mark.usefixtures("no_collection")
def test_a_command_that_fails_closes_the_log_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "clinic.db"
    assert run(capsys, "migrate", "--db", str(log))[0] == 0
    bad = tmp_path / "facilities.csv"
    bad.write_text("id,name,tier\nX-1,Somewhere,level_4\n", encoding="utf-8")
    code, _, err = run(capsys, "facilities", "load", str(bad), "--db", str(log))
    assert code == 2 and err.startswith("error: "), err
    assert open_under(tmp_path) == []

"""A file at --db that SQLite does not read as a database - a log whose first page was overwritten
(a disk fault, a copy cut short), or the wrong file given - said `error: clinic.db: not a usable
referral log (SQLite: file is not a database)`, what and where but not what to do, where a damaged
page ("malformed") says to keep the file and restore the latest backup. Real processes, a real log
whose header is overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.running import run


@pytest.mark.parametrize("command", [["stats"], ["verify-audit"], ["backup", "--out", "b.db"], ["migrate"]])
def test_a_log_with_its_header_overwritten_says_what_to_do(tmp_path: Path, command: list[str]) -> None:
    made = run(["referrals", "migrate", "--db", "clinic.db"], tmp_path)
    assert made.returncode == 0, made.stderr
    log = tmp_path / "clinic.db"
    with log.open("r+b") as damaged:
        damaged.write(b"\0" * 100)  # SQLite's file header
    said = run(["referrals", *command, "--db", "clinic.db"], tmp_path)
    assert said.returncode == 2, said.stdout
    assert said.stderr == (
        "error: clinic.db: not a usable referral log (SQLite: file is not a database) - the wrong file"
        " (check --db, or database.path in the settings), or a damaged log: keep it as it is and restore"
        " the latest backup (`triage referrals restore --from FILE --db clinic.db --replace-damaged`)\n"
    ), said.stderr
    assert not (tmp_path / "b.db").exists()


def test_the_restore_it_suggests_puts_the_damaged_log_right(tmp_path: Path) -> None:
    made = run(["referrals", "migrate", "--db", "clinic.db"], tmp_path)
    assert made.returncode == 0, made.stderr
    assert run(["referrals", "backup", "--db", "clinic.db", "--out", "latest.db"], tmp_path).returncode == 0
    with (tmp_path / "clinic.db").open("r+b") as damaged:
        damaged.write(b"\0" * 100)
    said = run(["referrals", "stats", "--db", "clinic.db"], tmp_path).stderr
    suggested = said.split("(`", 1)[1].split("`)", 1)[0].replace("FILE", "latest.db")
    restored = run(suggested, tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert run(["referrals", "verify-audit", "--db", "clinic.db"], tmp_path).returncode == 0

"""`triage referrals restore --db PATH` put the backup in place of whatever file PATH named: a
mistyped --db naming another program's database or a text file (as root, /etc/passwd: tried, the
system's accounts file was replaced by a referral log) was moved aside and replaced without a word.
Now a file SQLite cannot read as a referral log is replaced only with --replace-damaged (the damaged
log the error for it suggests restoring); nothing is changed otherwise. Real files, real processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.admin.made_once import copied, here
from tests.cli.running import run


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new log and its backup latest.db, made once by the real commands (:func:`here`)."""
    folder = tmp_path_factory.mktemp("backed-up")
    here(["referrals", "migrate", "--db", str(folder / "clinic.db")])
    here(["referrals", "backup", "--db", str(folder / "clinic.db"), "--out", str(folder / "latest.db")])
    return folder


@pytest.fixture
def backed_up(made: Path, tmp_path: Path) -> None:
    """A copy of :func:`made`'s log and backup in the test's own folder."""
    copied(made, tmp_path)


def _another_program_s(path: Path) -> None:
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE contacts (name TEXT)")
    other.execute("INSERT INTO contacts VALUES ('someone')")
    other.commit()
    other.close()


def _refused(folder: Path, make: object, args: list[str], opening: tuple[int, str], ending: str) -> bytes:
    """In ``folder`` with a log and its backup (:func:`backed_up`), ``settings.db`` made by ``make``,
    then `triage referrals` with ``args``: refused (exit code and the error's opening, its ending),
    the file as it was, nothing beside it."""
    target = folder / "settings.db"
    make(target)  # type: ignore[operator]
    before = target.read_bytes()
    said = run(["referrals", *args], folder)
    assert said.returncode == opening[0], said.stdout
    assert said.stderr.startswith(opening[1]) and said.stderr.endswith(ending), said.stderr
    assert target.read_bytes() == before
    assert not list(folder.glob("settings.db.*"))  # nothing moved aside, no copy left
    return before


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (
            lambda p: p.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8"),
            "SQLite cannot read it as a referral log (file is not a database)",
        ),
        (_another_program_s, "SQLite reads it, but it holds no audit trail: not a referral log"),
    ],
    ids=["a text file", "another program's database"],
)
@pytest.mark.usefixtures("backed_up")
def test_a_file_that_is_not_a_referral_log_is_not_replaced(
    tmp_path: Path, make: object, problem: str
) -> None:
    before = _refused(
        tmp_path,
        make,
        ["restore", "--from", "latest.db", "--db", "settings.db"],
        (1, f"error: --db settings.db: {problem}"),
        " - the wrong path (check --db), or a damaged log: to put the backup in its place all the same (the"
        " file is kept beside it as settings.db.replaced-<time>), give --replace-damaged; nothing was"
        " changed\n",
    )
    forced = run(
        ["referrals", "restore", "--from", "latest.db", "--db", "settings.db", "--replace-damaged"], tmp_path
    )
    assert forced.returncode == 0, forced.stderr
    (kept,) = tmp_path.glob("settings.db.replaced-*")
    assert kept.read_bytes() == before
    assert run(["referrals", "verify-audit", "--db", "settings.db"], tmp_path).returncode == 0


@pytest.mark.usefixtures("backed_up")
def test_a_referral_log_and_an_empty_file_are_replaced_as_before(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    for target in ("clinic.db", "empty.db"):
        said = run(["referrals", "restore", "--from", "latest.db", "--db", target], tmp_path)
        assert said.returncode == 0, said.stderr
    (tmp_path / "logs").mkdir()  # a folder is said a folder, as before
    said = run(["referrals", "restore", "--from", "latest.db", "--db", "logs"], tmp_path)
    assert (said.returncode, said.stderr) == (
        2,
        "error: referral log: logs is a folder; give the log file, e.g. logs/clinic.db (--db, database.path)\n",
    ), said.stderr


@pytest.mark.parametrize("make", [lambda p: p.write_text("my notes\n", encoding="utf-8"), _another_program_s])
@pytest.mark.usefixtures("backed_up")
def test_a_backup_replaces_only_an_earlier_backup(tmp_path: Path, make: object) -> None:
    """`backup --out FILE` replaced whatever FILE was (and kept nothing): a mistyped --out naming
    notes, or another program's database, was lost. An earlier backup is replaced as before."""
    _refused(
        tmp_path,
        make,
        ["backup", "--db", "clinic.db", "--out", "settings.db"],
        (2, "error: --out settings.db is there and is no backup of a referral log ("),
        "); a backup replaces only an earlier backup - give another file, or move that one away first;"
        " nothing was written\n",
    )
    again = run(["referrals", "backup", "--db", "clinic.db", "--out", "latest.db"], tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("latest.db: backup of 0 referrals, "), (
        again.stderr
    )

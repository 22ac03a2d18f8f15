"""A referral log the reader cannot write - an analyst's copy in a folder they may only read, on
read-only media - is read where it is: SQLite could not create ``-shm`` and ``-wal`` beside it,
so every reading command failed ("unable to open database file"). On real files in a folder that
really cannot be written: as root ``chmod`` stops no write, so there the commands run in a private
mount namespace where the folder is bind-mounted read-only (a read-only filesystem, as a CD or a
write-protected stick); as another user the folder is made 0555 and its files 0444."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from referral import associations, facilities, referrals
from referral.errors import SchemaTooOldError
from referral.migrations import MIGRATIONS
from referral.records import ReferralIn
from referral.schema import applied_migrations, connect, connect_to_read

from .conftest import visit

ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys; from triage.cli import main; sys.exit(main(sys.argv[1:]))"
#: The CLI run for each argv of a JSON list in one process (one start-up, not one per command),
#: each with its own stdout and stderr; prints a JSON list of [exit code, stdout, stderr].
CLI_EACH = """
import contextlib, io, json, sys
from triage.cli import main
done = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    done.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(done))
"""
#: As root: the folder ($0) bind-mounted read-only over itself, in this command's namespace only.
READ_ONLY_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'


def read_only_mount(folder: Path, command: list[str]) -> list[str]:
    """``command`` run in a private mount namespace where ``folder`` is mounted read-only."""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", READ_ONLY_MOUNT, str(folder), *command]


class Shelf:
    """A folder whose log the commands read without being able to write there."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = os.geteuid() == 0

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run([sys.executable, "-c", CLI, *args])

    def run_each(self, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
        """Each of ``commands`` run as :meth:`run` runs it, all in one process (:data:`CLI_EACH`)."""
        done = self._run([sys.executable, "-c", CLI_EACH, json.dumps(commands)])
        assert done.returncode == 0, done.stderr
        return [
            subprocess.CompletedProcess(argv, code, out, err)
            for argv, (code, out, err) in zip(commands, json.loads(done.stdout), strict=True)
        ]

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        if self.root:
            command = read_only_mount(self.folder, command)
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)

    def close(self) -> dict[str, str]:
        """The folder made read-only (as root: only inside :meth:`run`); what it holds, by name
        and SHA-256."""
        for path in self.folder.iterdir():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        self.folder.chmod(0o555)
        return self.held()

    def held(self) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in self.folder.iterdir()}


@pytest.fixture
def shelf(tmp_path: Path) -> Iterator[Shelf]:
    folder = tmp_path / "received"
    folder.mkdir()
    found = Shelf(folder)
    if found.root:
        probe = subprocess.run(
            read_only_mount(folder, ["touch", str(folder / "probe")]),
            capture_output=True,
            text=True,
            check=False,
        )
        if "Read-only file system" not in probe.stderr:
            pytest.skip(
                "running as root, where chmod stops no write, and a read-only bind mount in a private"
                f" mount namespace is not allowed here (unshare -m: {probe.stderr.strip()[-200:]})"
            )
    yield found
    folder.chmod(0o755)


def _log(path: Path) -> None:
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    assessment = visit(db)
    referrals.create_referral(
        db,
        ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90"),
        actor="dr_li",
    )
    db.close()


def test_reading_commands_read_a_log_in_a_folder_the_reader_cannot_write(
    shelf: Shelf, tmp_path: Path
) -> None:
    log = shelf.folder / "clinic.db"
    _log(log)
    assert sorted(p.name for p in shelf.folder.iterdir()) == ["clinic.db"]  # closed: no -wal, -shm
    held = shelf.close()
    out = tmp_path / "out"
    out.mkdir()  # an export's --out, as a backup's, is in a folder that exists
    commands = [
        ["verify-audit"],
        ["stats"],
        ["list"],
        ["show", "1"],
        ["queue", "--day", "2026-05-01"],
        ["facilities", "list"],
        ["export", "--format", "csv", "--out", str(out / "referrals.csv")],
        ["export", "--format", "analytics", "--out", str(out / "analytics"), "--table-format", "csv"],
        ["backup", "--out", str(out / "copy.db")],
    ]
    # the regional report reads a clinic's log given as its input the same way
    imbalance = ["report", "imbalance", "-q", "-i", str(log), "-o", str(out / "report")]
    *ran, report = shelf.run_each(
        *(["referrals", *command, "--db", str(log)] for command in commands), imbalance
    )
    for command, done in zip(commands, ran, strict=True):
        assert done.returncode == 0, (command, done.stderr)
        if command == ["verify-audit"]:
            assert "audit chain intact" in done.stdout and "1 referral," in done.stdout
    assert "ZJ-S01" in (out / "referrals.csv").read_text(encoding="utf-8")
    assert (out / "copy.db").is_file() and (out / "analytics" / "manifest.json").is_file()
    assert report.returncode == 0 and "pooled 1 encounter from 1 clinic" in report.stdout, report.stderr
    assert shelf.held() == held  # nothing written beside it, the file as it was
    # a write still says, in one line, that it cannot write there
    refused = shelf.run("referrals", "cancel", "1", "--actor", "dr_li", "--note", "x", "--db", str(log))
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("error: referral log: ") and str(log) in refused.stderr


def test_device_associations_list_reads_the_log_without_writing_it(shelf: Shelf) -> None:
    """`triage devices associations list` opened the log for writing and ended expired
    associations on it: in a folder the reader cannot write it failed ('unable to open database
    file'). It reads it as the other listings do and shows an expired association as ended."""
    log = shelf.folder / "clinic.db"
    db = connect(log)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    for mrn, device in (("MRN-1", "oxi-a"), ("MRN-2", "oxi-b")):
        associations.associate(db, device, visit(db, mrn=mrn)["encounter_id"], actor="nurse_wang")
    db.execute(
        "UPDATE device_associations SET started_at = ?, expires_at = ? WHERE id = 1",
        ["2026-05-01T01:00:00.000000+00:00", "2026-05-01T02:00:00.000000+00:00"],
    )
    db.conn.commit()
    db.close()
    held = shelf.close()
    attached = shelf.run("devices", "associations", "list", "--db", str(log))
    assert attached.returncode == 0, attached.stderr
    assert "oxi-b" in attached.stdout and "oxi-a" not in attached.stdout, attached.stdout
    every = shelf.run("devices", "associations", "list", "--all", "--json", "--db", str(log))
    assert every.returncode == 0, every.stderr
    ended = {
        row["device_id"]: (row["end_reason"], row["ended_by"], row["ended_at"])
        for row in json.loads(every.stdout)
    }
    assert ended == {
        "oxi-a": ("expired", "system", "2026-05-01T02:00:00.000000+00:00"),
        "oxi-b": (None, None, None),
    }
    assert shelf.held() == held


def test_a_log_whose_wal_holds_commits_is_refused_where_it_cannot_be_read_whole(shelf: Shelf) -> None:
    """Opened ``immutable=1`` SQLite would read the file without its ``-wal``: the last commits
    silently missing. Refused instead, saying what to copy."""
    log = shelf.folder / "clinic.db"
    _log(log)
    writer = (
        "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_autocheckpoint = 0');"
        " c.execute(\"UPDATE facilities SET name = 'renamed' WHERE id = 'ZJ-C01'\"); c.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", writer, str(log)], check=True)
    Path(f"{log}-shm").unlink()  # copied without it
    assert Path(f"{log}-wal").stat().st_size > 0
    shelf.close()
    done = shelf.run("referrals", "list", "--db", str(log))
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "clinic.db-wal beside it holds commits not yet in the file" in done.stderr
    assert "copy clinic.db with clinic.db-wal into a folder you can write" in done.stderr


def test_an_older_log_that_cannot_be_upgraded_is_checked_as_it_is_and_refused_for_the_rest(
    shelf: Shelf,
) -> None:
    log = shelf.folder / "old.db"
    db = connect(log, migrate=False)
    MIGRATIONS.apply(db, stop_before="0017_meter_operator_lists")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    db.close()
    held = shelf.close()
    checked = shelf.run("referrals", "verify-audit", "--db", str(log))
    assert checked.returncode == 0 and "audit chain intact" in checked.stdout, checked.stderr
    listed = shelf.run("referrals", "list", "--db", str(log))
    assert listed.returncode == 2 and listed.stderr.count("\n") == 1, listed.stderr
    assert "is at schema 16 (0016_observation_reported)" in listed.stderr
    assert "run `triage referrals migrate --db" in listed.stderr
    assert shelf.held() == held


def test_an_older_log_that_can_be_written_is_not_upgraded_by_a_reader(tmp_path: Path) -> None:
    """Readers (the CLI's listings and exports, a regional report given the log) never migrate it:
    the clinic's previous version would then refuse its own log as too new."""
    log = tmp_path / "old.db"
    db = connect(log, migrate=False)
    MIGRATIONS.apply(db, stop_before="0017_meter_operator_lists")
    db.close()
    before = log.read_bytes()
    with pytest.raises(SchemaTooOldError, match=r"is at schema 16 \(0016_observation_reported\)"):
        connect_to_read(log)
    assert log.read_bytes() == before
    read = connect_to_read(log, as_is=True)
    assert "0017_meter_operator_lists" not in applied_migrations(read)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        read.execute("DELETE FROM facilities")
    read.close()

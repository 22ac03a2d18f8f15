"""The log as the person who runs the clinic's box meets it: backups while the service writes, a
full disk, a damaged file, a log from a newer version - on real SQLite files and real processes."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import audit, facilities, referrals
from referral.errors import SchemaTooNewError, StorageError
from referral.migrations import MIGRATIONS
from referral.plurals import counted
from referral.records import ReferralIn
from referral.schema import applied_migrations, connect
from tests.fault_injection import killed_at

from .conftest import visit
from .test_cli import run
from .test_reliability import _prepared, _writer


def _log(path: Path) -> int:
    """A log with one sent referral; returns its assessment id."""
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    assessment_id = int(visit(db)["id"])
    referral = referrals.create_referral(db, _referral(assessment_id, "r-1"), actor="dr_li")
    referrals.transition(db, referral["id"], "sent", actor="dr_li")
    db.close()
    return assessment_id


def _referral(assessment_id: int, key: str) -> ReferralIn:
    return ReferralIn(
        assessment_id=assessment_id,
        to_facility="ZJ-S01",
        urgency="urgent",
        reason="SpO2 90",
        idempotency_key=key,
        alongside_open=True,
    )


def test_online_backup_while_a_writer_streams_is_one_consistent_proven_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    assessment_id = _prepared(path)
    writer = _writer("referrals", str(path), "10000", "bk", str(assessment_id))
    assert writer.stdout is not None
    acknowledged = [writer.stdout.readline() for _ in range(300)]
    assert all(line.startswith("ack ") for line in acknowledged)
    copy = tmp_path / "backups" / "clinic-backup.db"
    copy.parent.mkdir()  # --out in a folder that exists
    code, out, err = run(capsys, "backup", "--db", str(path), "--out", str(copy), "--json")
    still_writing = writer.poll() is None
    writer.kill()
    writer.communicate(timeout=30)
    assert code == 0, err
    assert still_writing, "the backup must be taken while the writer is writing"
    report = json.loads(out)
    assert report["integrity"] == "ok" and report["audit"]["ok"]
    # one self-contained file: no -wal to carry along, nothing half-written left beside it
    assert sorted(p.name for p in copy.parent.iterdir()) == ["clinic-backup.db"]
    raw = sqlite3.connect(copy)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    stored = raw.execute("SELECT count(*) FROM referrals").fetchone()[0]
    events = raw.execute("SELECT count(*) FROM referral_events").fetchone()[0]
    creates = raw.execute("SELECT count(*) FROM audit WHERE action = 'referral.create'").fetchone()[0]
    raw.close()
    # a snapshot of one moment: every acknowledged write before the backup, each one whole
    assert stored >= len(acknowledged) and stored == events == creates == report["referrals"]
    code, out, _ = run(capsys, "verify-audit", "--db", str(copy))
    assert code == 0 and f"{report['audit']['entries']} entries verified" in out
    original = Database(path)
    for row in Database(copy).query("SELECT * FROM referrals ORDER BY id"):
        assert original.execute("SELECT * FROM referrals WHERE id = ?", [row["id"]]).fetchone() == tuple(
            row.values()
        )


def test_backup_of_a_tampered_log_is_written_and_says_where_the_chain_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    _log(path)
    raw = sqlite3.connect(path)
    raw.executescript("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 12")
    raw.close()
    copy = tmp_path / "copy.db"
    code, _, err = run(capsys, "backup", "--db", str(path), "--out", str(copy))
    assert code == 1 and copy.exists()
    assert err.count("\n") == 1 and "broken at entry 12" in err and str(copy) in err


def test_backup_refuses_the_log_itself_and_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    _log(path)
    before = path.read_bytes()
    code, _, err = run(capsys, "backup", "--db", str(path), "--out", str(path))
    assert code == 2 and "is the referral log itself" in err
    code, _, err = run(capsys, "backup", "--db", str(path), "--out", str(tmp_path))
    assert code == 2 and "is a folder" in err
    assert path.read_bytes() == before


@pytest.mark.parametrize("suffix", ["-wal", "-shm", ".writer-lock", ".logouts"])
def test_backup_refuses_a_file_the_log_keeps_beside_it_and_its_last_commits_stay(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--out clinic.db-wal` renamed the backup over the live write-ahead log: the commits not yet
    checkpointed into clinic.db - those of a service killed with them there - were gone."""
    path = tmp_path / "clinic.db"
    _log(path)
    _crash_after_a_write(path)
    side = Path(f"{path}{suffix}")
    side.touch()
    code, _, err = run(capsys, "backup", "--db", str(path), "--out", str(side))
    assert code == 2, err
    assert err == (
        f"error: --out {side} is the {suffix} file the referral log {path} keeps beside it while in use;"
        " nothing was written - give another file\n"
    )
    assert not side.read_bytes().startswith(b"SQLite format 3")  # not replaced by the backup
    gc.collect()
    name = Database(path).execute("SELECT name FROM facilities WHERE id = 'ZJ-C01'").fetchone()[0]
    assert name == "written after the backup"  # the crashed writer's commit, from the -wal


def test_a_backup_that_cannot_be_created_names_its_file_not_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder that exists but takes no new file (/proc, even for root): it was a bare SQLite
    error that the CLI put on the log ("referral log: cannot open clinic.db ... exist")."""
    path = tmp_path / "clinic.db"
    _log(path)
    out = Path("/proc") / f"triage-backup-{tmp_path.name}.db"
    code, _, err = run(capsys, "backup", "--db", str(path), "--out", str(out))
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"error: {out}.partial: cannot create the file (SQLite: "), err
    assert str(path) not in err


def test_a_full_disk_is_one_line_naming_the_file_and_keeps_what_was_committed(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    assessment_id = _log(path)
    db = connect(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: no page can be added
    with pytest.raises(StorageError) as caught:
        for i in range(200):  # the pages in hand fill up after a few referrals
            referrals.create_referral(db, _referral(assessment_id, f"full-{i}"), actor="dr_li")
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "is full" in message
    assert "free space" in message and "nothing of this request was stored" in message
    assert not db.conn.in_transaction
    db.close()
    db = connect(path)
    stored = db.execute("SELECT count(*) FROM referrals").fetchone()[0]
    events = db.execute("SELECT count(*) FROM referral_events WHERE from_status IS NULL").fetchone()[0]
    creates = db.execute("SELECT count(*) FROM audit WHERE action = 'referral.create'").fetchone()[0]
    assert stored == events == creates > 1 and audit.verify(db).ok  # nothing lost or half-written
    referrals.create_referral(db, _referral(assessment_id, "after"), actor="dr_li")  # space again


def _damage_table(path: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with garbage, as a failing disk would."""
    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with open(path, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)


def test_a_damaged_page_is_one_line_saying_which_file_and_how_to_recover(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    _log(path)
    _damage_table(path, "audit")
    _damage_table(path, "audit_entity")  # stats counts the entries by this index, not the table
    code, out, _ = run(capsys, "list", "--db", str(path), "--json")  # the referrals are still readable
    assert code == 0 and len(json.loads(out)["data"]) == 1
    for command in ("verify-audit", "stats"):
        code, _, err = run(capsys, command, "--db", str(path))
        assert code == 1 and err.count("\n") == 1, err
        assert err.startswith("error: referral log: ") and f"{path} is damaged" in err
        assert "restore the latest backup" in err
    code, _, err = run(capsys, "backup", "--db", str(path), "--out", str(tmp_path / "copy.db"))
    assert code == 1 and "integrity check" in err and not (tmp_path / "copy.db").exists()


def test_a_truncated_log_is_one_line_saying_how_to_recover(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    _log(path)
    with open(path, "r+b") as file:
        file.truncate(path.stat().st_size // 2)
    code, _, err = run(capsys, "list", "--db", str(path))
    assert code == 1 and err.count("\n") == 1
    assert f"{path} is damaged" in err and "restore the latest backup" in err


def test_a_log_from_a_newer_version_is_refused_and_left_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    _log(path)
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('clinic', '0099_from_the_future', '2030-01-01')"
    )
    raw.execute("ALTER TABLE referrals ADD COLUMN priority_band TEXT NOT NULL DEFAULT 'b'")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for command in (["list"], ["migrate"], ["cancel", "1", "--actor", "dr_li", "--note", "no bed"]):
        code, _, err = run(capsys, *command, "--db", str(path))
        assert code == 1 and err.count("\n") == 1, err
        assert "written by a newer clinic-triage" in err and "0099_from_the_future" in err
    with pytest.raises(SchemaTooNewError):
        connect(path)
    with pytest.raises(SchemaTooNewError):
        connect(path, migrate=False)  # a service worker's connection too
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def _backed_up(capsys: pytest.CaptureFixture[str], path: Path, copy: Path) -> Path:
    assert run(capsys, "backup", "--db", str(path), "--out", str(copy))[0] == 0
    gc.collect()  # that command's connection, as if its process had ended
    return copy


def _crash_after_a_write(path: Path) -> None:
    """A process writes one row and dies without closing: its commit stays in ``-wal``."""
    script = (
        "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_autocheckpoint = 0');"
        " c.execute(\"UPDATE facilities SET name = 'written after the backup' WHERE id = 'ZJ-C01'\");"
        " c.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)


def test_restore_puts_the_checked_backup_in_place_and_keeps_the_replaced_log_with_its_wal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    _log(path)
    copy = _backed_up(capsys, path, tmp_path / "backup.db")
    _crash_after_a_write(path)
    assert Path(f"{path}-wal").stat().st_size > 0  # a -wal that a plain `cp` of the backup would replay
    code, out, err = run(capsys, "restore", "--from", str(copy), "--db", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    aside = [Path(p) for p in report["moved_aside"]]
    assert [p.name.split(".replaced-")[0] for p in aside] == ["clinic.db"] and aside[0].exists()
    names = Database(path).execute("SELECT name FROM facilities WHERE id = 'ZJ-C01'").fetchone()[0]
    assert names != "written after the backup"  # the restored log is the backup, not the old -wal
    kept = Database(aside[0]).execute("SELECT name FROM facilities WHERE id = 'ZJ-C01'").fetchone()[0]
    assert kept == "written after the backup"  # the replaced log kept whole, its -wal folded in
    code, out, _ = run(capsys, "verify-audit", "--db", str(path))
    assert code == 0 and "the tables match it" in out


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # in the child: a write past ``limit`` bytes fails (EFBIG), as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_restore_that_fails_to_copy_leaves_the_log_where_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log was moved aside before the copy; a copy that failed (a full disk) left no log under
    its name, and the next `triage serve` created an empty one there and ran on it."""
    path = tmp_path / "clinic.db"
    _log(path)
    copy = _backed_up(capsys, path, tmp_path / "backup.db")
    _crash_after_a_write(path)
    triage = str(Path(sys.executable).with_name("triage"))
    done = subprocess.run(
        [triage, "referrals", "restore", "--from", str(copy), "--db", str(path)],
        preexec_fn=_file_size_limit(copy.stat().st_size // 2),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"{path}.partial" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "clinic.db"]
    name = Database(path).execute("SELECT name FROM facilities WHERE id = 'ZJ-C01'").fetchone()[0]
    assert name == "written after the backup"  # the log as it was, its last commit included


def test_restore_refuses_while_a_process_has_the_log_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    _log(path)
    copy = _backed_up(capsys, path, tmp_path / "backup.db")
    service = connect(path)  # the service, still running
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run(capsys, "restore", "--from", str(copy), "--db", str(path))
    assert code == 1 and err.count("\n") == 1 and "open in another process" in err and "stop it" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert service.execute("SELECT count(*) FROM referrals").fetchone()[0] == 1
    service.close()  # stopped: now it goes
    assert run(capsys, "restore", "--from", str(copy), "--db", str(path))[0] == 0


def test_restore_refuses_a_backup_that_does_not_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.db"
    _log(path)
    bad = tmp_path / "edited-backup.db"
    assert run(capsys, "backup", "--db", str(path), "--out", str(bad))[0] == 0
    raw = sqlite3.connect(bad)
    raw.execute("UPDATE referrals SET status = 'completed'")
    raw.commit()
    raw.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    code, _, err = run(capsys, "restore", "--from", str(bad), "--db", str(path))
    assert code == 1 and "does not verify (referrals row 1: status is 'completed'" in err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not list(tmp_path.glob("*.replaced-*"))


def test_restore_of_a_backup_from_an_older_version_migrates_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old-backup.db"
    raw = Database(old)
    MIGRATIONS.apply(raw, stop_before="0017_meter_operator_lists")
    raw.close()
    path = tmp_path / "fresh" / "clinic.db"
    path.parent.mkdir()  # --db in a folder that does not exist is refused (ce3ebde)
    code, out, err = run(capsys, "restore", "--from", str(old), "--db", str(path))
    assert code == 0, err
    names = [m.name for m in MIGRATIONS._migrations]
    pending = len(names) - names.index("0017_meter_operator_lists")
    assert f"applied {counted(pending, 'migrations')}" in out and "replaced log" not in out
    assert "0017_meter_operator_lists" in applied_migrations(connect(path))


def test_a_backup_that_fills_the_disk_leaves_nothing_behind(tmp_path: Path) -> None:
    """A backup whose disk filled mid-copy removed its .partial file but left SQLite's rollback
    journal, 'b.db.partial-journal', in the backup folder, one more after every nightly failure."""
    path = _padded_log(tmp_path / "log" / "clinic.db")  # a small log fails before the journal is kept
    folder = tmp_path / "backups"
    folder.mkdir()
    triage = str(Path(sys.executable).with_name("triage"))
    done = subprocess.run(
        [triage, "referrals", "backup", "--db", str(path), "--out", str(folder / "b.db")],
        preexec_fn=_file_size_limit(1_000_000),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"{folder / 'b.db'}.partial" in done.stderr and "Traceback" not in done.stderr
    assert list(folder.iterdir()) == []


def test_a_restore_killed_during_the_copy_leaves_the_log_under_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log was moved aside before the backup was copied in: a restore killed, or cut off by a
    power failure, during the copy (seconds for a large log) left no log under the name, and the
    service started next created an empty one there. Here strace's fault injection kills the
    restore (SIGKILL) at the copy's fsync - its first: SQLite itself syncs with fdatasync."""
    copy = _backed_up(capsys, _padded_log(tmp_path / "big" / "clinic.db"), tmp_path / "backup.db")
    path = tmp_path / "clinic.db"
    _log(path)
    _crash_after_a_write(path)
    # another log's backup: --replace-newer, the restore is meant (tests/admin/test_restore_over_newer_log.py)
    killed_at_fsync(["referrals", "restore", "--from", str(copy), "--db", str(path), "--replace-newer"])
    name = Database(path).execute("SELECT name FROM facilities WHERE id = 'ZJ-C01'").fetchone()[0]
    assert name == "written after the backup"  # the log as it was, its last commit included
    assert not [p for p in tmp_path.iterdir() if ".replaced-" in p.name]
    # the .partial the killed restore left is no obstacle to the next one
    assert run(capsys, "restore", "--from", str(copy), "--db", str(path), "--replace-newer")[0] == 0
    assert not (tmp_path / "clinic.db.partial").exists()


def killed_at_fsync(arguments: list[str]) -> None:
    """Run ``triage ARGUMENTS`` killed (SIGKILL) at its first fsync by strace's fault injection -
    SQLite itself syncs with fdatasync, so the first is the copy's -; skips where strace is missing
    or may not trace."""
    killed_at([str(Path(sys.executable).with_name("triage")), *arguments], "fsync")


def _padded_log(path: Path) -> Path:
    """A log of about 4 MB: its copy takes many writes."""
    path.parent.mkdir()
    _log(path)
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE padding (x BLOB)")
    raw.execute("INSERT INTO padding VALUES (zeroblob(4000000))")
    raw.commit()
    raw.close()
    return path


def test_a_restore_run_as_root_leaves_the_log_to_the_service_s_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sudo triage referrals restore ...` wrote the restored log as root, 0644: the service's user
    could read it but every write failed as read-only. The restored log keeps the replaced one's
    owner, group and mode (SQLite, run as root, gives its -wal and -shm the log's owner)."""
    if os.getuid() != 0:
        pytest.skip("only root can restore a log that belongs to another user")
    path = tmp_path / "clinic.db"
    _log(path)
    copy = _backed_up(capsys, path, tmp_path / "backup.db")
    for name in ("clinic.db", "clinic.db-wal", "clinic.db-shm"):
        if (tmp_path / name).exists():
            os.chown(tmp_path / name, 54321, 54322)
    path.chmod(0o640)
    assert run(capsys, "restore", "--from", str(copy), "--db", str(path))[0] == 0
    gc.collect()  # the command's connection, as if its process had ended
    restored = path.stat()
    assert (restored.st_uid, restored.st_gid, stat.S_IMODE(restored.st_mode)) == (54321, 54322, 0o640)
    for side in ("clinic.db-wal", "clinic.db-shm"):
        if (tmp_path / side).exists():
            assert (tmp_path / side).stat().st_uid == 54321, side


def test_a_restore_as_root_onto_a_new_box_gives_the_log_to_its_folder_s_owner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new clinic PC: the service's data folder (/var/lib/clinic-triage, its user's) has no log
    yet and `sudo triage referrals restore` puts the backup there - root's file, which the
    service could not write. It is the folder owner's now."""
    if os.getuid() != 0:
        pytest.skip("only root can restore a log for another user")
    old = tmp_path / "old" / "clinic.db"
    old.parent.mkdir()
    _log(old)
    copy = _backed_up(capsys, old, tmp_path / "backup.db")
    folder = tmp_path / "srv"
    folder.mkdir()
    os.chown(folder, 54321, 54322)
    path = folder / "clinic.db"
    assert run(capsys, "restore", "--from", str(copy), "--db", str(path))[0] == 0
    gc.collect()  # the command's connection, as if its process had ended
    assert (path.stat().st_uid, path.stat().st_gid) == (54321, 54322)

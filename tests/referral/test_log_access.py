"""A referral log this user may not use - owned by the service's user and run as another (root, an
administrator's own account), or copied in with the wrong mode: SQLite says only "unable to open
database file" and click said 'Path "clinic.db" is not readable'. Every command and the service
now say whose file it is, its mode, and what to do. Real files and real processes; as root, whom
file modes do not stop, the commands run without the capabilities that let root pass them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from referral.schema import connect

TRIAGE = str(Path(sys.executable).with_name("triage"))
OTHER_UID = 54321


def as_a_user_who_may_not(path: Path) -> tuple[list[str], str]:
    """Make ``path`` a log this test's commands may not read or write; returns the command prefix
    that runs them so, and its owner as the message says it."""
    if os.getuid() != 0:
        path.chmod(0o000)
        import pwd

        me = os.getuid()
        return [], f"{pwd.getpwuid(me).pw_name} (uid {me})"
    if shutil.which("setpriv") is None:
        pytest.skip(
            "as root, file modes stop nothing without setpriv (util-linux) to drop root's capabilities"
        )
    os.chown(path, OTHER_UID, OTHER_UID)
    path.chmod(0o600)
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"], f"uid {OTHER_UID}"


def problem(log: Path, prefix: list[str], owner: str) -> str:
    """What the line says after 'cannot use PATH: '."""
    if not prefix:  # not root: the test's own file, mode 0000
        return (
            f"this user, {owner}, its owner, may not read and write it (mode 0000): chmod u+rw {log}"
            " (SQLite: unable to open database file)"
        )
    return (
        f"this user, root (uid 0), may not read and write it (owner {owner}, mode 0600): run this as"
        f" the log's user, the service's (sudo -u '#{OTHER_UID}' ...), or give the log to this user"
        " (chown root the folder, clinic.db, clinic.db-wal and clinic.db-shm) (SQLite: unable to open database file)"
    )


@pytest.mark.parametrize(
    "command", [["stats"], ["list"], ["migrate"], ["verify-audit"], ["backup", "--out", "b.db"]]
)
def test_a_command_on_a_log_this_user_may_not_use_says_whose_it_is_and_what_to_do(
    tmp_path: Path, command: list[str]
) -> None:
    log = tmp_path / "clinic.db"
    connect(log).close()
    prefix, owner = as_a_user_who_may_not(log)
    done = subprocess.run(
        [*prefix, TRIAGE, "referrals", *command, "--db", str(log)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stderr == f"error: referral log: cannot use {log}: {problem(log, prefix, owner)}\n", (
        done.stderr
    )
    assert done.returncode == 1
    assert not (tmp_path / "b.db").exists()


def test_a_log_on_a_read_only_filesystem_says_so_and_where_it_is_mounted(tmp_path: Path) -> None:
    """A disk mounted read-only (after an error, or a backup medium) gave the same bare line."""
    from .test_read_only_log import read_only_mount

    folder = tmp_path / "mnt"
    folder.mkdir()
    log = folder / "clinic.db"
    connect(log).close()
    if os.getuid() != 0:
        pytest.skip("a read-only mount needs root (unshare -m)")
    done = subprocess.run(
        read_only_mount(folder, [TRIAGE, "referrals", "migrate", "--db", str(log)]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "unshare" in done.stderr or "mount:" in done.stderr:
        pytest.skip(
            f"a read-only bind mount in a private namespace is not allowed here: {done.stderr[-200:]}"
        )
    assert done.stderr == (
        f"error: referral log: cannot use {log}: the filesystem holding it, mounted at {folder}, is"
        " read-only: remount it read-write, or move the log (database.path) to a disk that can be"
        " written (SQLite: unable to open database file)\n"
    ), done.stderr
    assert done.returncode == 1


@pytest.mark.parametrize("command", [["stats"], ["migrate"], ["list"], ["verify-audit"]])
@pytest.mark.parametrize("given", ["folder", "."])
def test_a_folder_given_as_the_log_is_a_usage_error(tmp_path: Path, command: list[str], given: str) -> None:
    """--db (or database.path) naming the folder the log is in: reading commands blamed the disk
    ('failed at the disk (a full or failing disk?)'), writing ones said to check that it exists;
    then it was named a folder but still exit 1 with '(SQLite: disk I/O error)', while a file that
    is not a log was exit 2: a folder is the same usage error."""
    db = str(tmp_path) if given == "folder" else "."
    done = subprocess.run(
        [TRIAGE, "referrals", *command, "--db", db], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    example = f"{tmp_path}/clinic.db" if given == "folder" else "./clinic.db"
    assert done.stderr == (
        f"error: referral log: {db} is a folder; give the log file, e.g. {example} (--db, database.path)\n"
    ), done.stderr
    assert done.returncode == 2 and list(tmp_path.iterdir()) == []


def test_a_new_log_root_creates_belongs_to_its_folder_s_owner(tmp_path: Path) -> None:
    """`sudo triage referrals migrate --db /var/lib/clinic-triage/clinic.db` on a new box made a
    root-owned log in the service's folder: the service, run as its user, could not write it."""
    if os.getuid() != 0:
        pytest.skip("only root creates files for another user")
    folder = tmp_path / "srv"
    folder.mkdir()
    os.chown(folder, OTHER_UID, OTHER_UID + 1)
    log = folder / "clinic.db"
    done = subprocess.run(
        [TRIAGE, "referrals", "migrate", "--db", str(log)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    db = connect(log)  # open, as the service keeps it: its -wal and -shm exist now
    try:
        db.conn.execute("CREATE TABLE IF NOT EXISTS scratch (x)")
        owners = {p.name: (p.stat().st_uid, p.stat().st_gid) for p in folder.iterdir()}
    finally:
        db.close()
    assert owners["clinic.db"] == (OTHER_UID, OTHER_UID + 1), owners
    assert set(owners.values()) == {(OTHER_UID, OTHER_UID + 1)}, owners

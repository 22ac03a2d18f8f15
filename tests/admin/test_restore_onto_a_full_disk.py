"""`triage referrals restore` onto a disk with no room left. Into a new folder there it said
"error: --db /srv/clinic/clinic.db: cannot write the restored log there (No space left on device);
nothing was changed" and exited 2, something given wrong - where README and docs/referral-log.md
give 1 for a disk problem, as `backup` exits on the same disk; over the clinic's sound log there it
said "SQLite cannot read it as a referral log (disk I/O error) - the wrong path (check --db), or a
damaged log: ... give --replace-damaged", exit 1. Now both say the disk has no room and what to do
(free space on that disk, then restore again), exit 1, the log as it was; a `--db` whose folder
cannot be made (a file in the way) is still given wrong, exit 2
(tests/admin/test_restore_onto_a_read_only_disk.py). Real processes and files; the disk is a tmpfs
mounted in a private mount namespace, as root only."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.admin import made_once
from tests.admin.test_backup_dir_disk_full import _on_a_full_disk
from tests.admin.test_backup_dir_disk_full import pytestmark as pytestmark  # root and unshare
from tests.admin.test_restore_onto_a_read_only_disk import _log_and_backup
from tests.cli.running import TRIAGE, environment

#: the log copied onto the tmpfs (options $1) at $2, filled (bytes: a file as large as it takes),
#: the command run, then what the disk holds and the log's hash said after it
FILLED = """
mount -t tmpfs -o "$1" tmpfs "$2" && cp "$3" "$2/clinic.db" || exit 99
[ "$4" = bytes ] && dd if=/dev/zero of="$2/fill" bs=4k 2>/dev/null
disk="$2"
shift 4
"$@"
said=$?
echo "held: $(ls "$disk" | tr '\\n' ' ')" >&2
echo "hash: $(sha256sum < "$disk/clinic.db" | cut -c1-64)" >&2
exit $said
"""


def on_a_tmpfs(options: str, disk: Path, log: Path, fill: str, command: list[str]) -> tuple[int, list[str]]:
    """``command`` run with a tmpfs mounted (``options``) at ``disk`` holding a copy of ``log``
    (filled up with ``fill`` "bytes"), in a private mount namespace: its exit code and stderr
    lines, the last two what the disk held and the log's hash; skipped where a tmpfs mount is
    refused."""
    mounted = ["unshare", "-m", "--propagation", "private", "sh", "-c", FILLED, "sh", options]
    said = subprocess.run(
        [*mounted, str(disk), str(log), fill, *command],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if said.returncode == 99:
        pytest.skip(f"a tmpfs mount is not allowed here: {said.stderr.strip()[-200:]}")
    assert said.stdout == "", said.stdout
    return said.returncode, said.stderr.splitlines()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new log, clinic.db, and its backup b.db, made once by the real commands."""
    folder = tmp_path_factory.mktemp("backed-up")
    _log_and_backup(folder / "clinic.db", folder / "b.db")
    return folder


@pytest.fixture
def backed_up(made: Path, tmp_path: Path) -> None:
    """A copy of :func:`made`'s log and backup in the test's own folder."""
    made_once.copied(made, tmp_path)


@pytest.mark.usefixtures("backed_up")
def test_a_restore_of_a_new_log_onto_a_disk_with_no_room_is_a_disk_problem_exit_1(tmp_path: Path) -> None:
    full = tmp_path / "new-box"
    full.mkdir()
    log = full / "clinic.db"  # a new box: no log there yet
    said = _on_a_full_disk(
        full, [TRIAGE, "referrals", "restore", "--from", str(tmp_path / "b.db"), "--db", str(log)]
    )
    assert (said.returncode, said.stdout) == (1, ""), said.stderr
    assert said.stderr == (
        f"error: --db {log}: cannot restore there: the disk holding it has room for no more files (inodes),"
        " the restore makes 3 (its copy, then the restored log's -wal and -shm) - free space on that disk,"
        " then restore again; nothing was changed\n"
    )
    assert list(full.iterdir()) == []


@pytest.mark.parametrize("replace_damaged", [False, True], ids=["as it is", "--replace-damaged"])
@pytest.mark.parametrize(
    ("full", "problem"),
    [
        ("inodes", "has room for only 1 more file (inodes), the restore makes 3 ("),
        ("bytes", "has 0 bytes free, the restored log needs "),
    ],
)
@pytest.mark.usefixtures("backed_up")
def test_the_sound_log_on_a_full_disk_is_not_said_damaged(
    tmp_path: Path, full: str, problem: str, replace_damaged: bool
) -> None:
    copied = tmp_path / "copied.db"  # the log as the service leaves it once stopped: one file, in WAL mode
    with contextlib.closing(sqlite3.connect(tmp_path / "clinic.db")) as conn:
        conn.execute("VACUUM INTO ?", (str(copied),))
    with contextlib.closing(sqlite3.connect(copied)) as conn:  # its -wal folded in and removed on close
        conn.execute("PRAGMA journal_mode = WAL")
    disk = tmp_path / "disk"
    disk.mkdir()
    log = disk / "clinic.db"
    size = copied.stat().st_size
    options = f"size={size + 8192},nr_inodes=3" if full == "inodes" else f"size={size + 8192}"
    restore = [TRIAGE, "referrals", "restore", "--from", str(tmp_path / "b.db"), "--db", str(log)]
    restore += ["--replace-damaged"] if replace_damaged else []
    code, lines = on_a_tmpfs(options, disk, copied, full, restore)
    *_, error, held, hashed = lines
    assert code == 1, lines
    assert error.startswith(f"error: --db {log}: cannot restore there: the disk holding it {problem}"), error
    assert error.endswith(" - free space on that disk, then restore again; nothing was changed"), error
    assert held == ("held: clinic.db fill " if full == "bytes" else "held: clinic.db ")
    assert hashed == f"hash: {_sha256(copied)}"

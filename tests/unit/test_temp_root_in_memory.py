"""The tests' temporary folders go to a memory filesystem only where one has room (tests/conftest.py):
a container's 64 MiB /dev/shm or a /dev/shm that is not a tmpfs keeps them on the disk."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conftest import MEMORY_ROOM_BYTES, TEMP_ROOT_GIVEN, machine_memory_root, memory_temp_root

TMPFS = "tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0\n/dev/vda / ext4 rw,relatime 0 0\n"


def test_a_tmpfs_with_room_is_taken() -> None:
    assert memory_temp_root(TMPFS, MEMORY_ROOM_BYTES) == "/dev/shm"


def test_a_small_tmpfs_or_a_disk_is_not() -> None:
    assert memory_temp_root(TMPFS, 64 << 20) is None
    assert memory_temp_root("/dev/vda /dev/shm ext4 rw 0 0\n", MEMORY_ROOM_BYTES * 2) is None
    assert memory_temp_root("/dev/vda / ext4 rw 0 0\n", MEMORY_ROOM_BYTES * 2) is None


def test_this_run_s_temporary_folders_are_on_the_memory_filesystem_where_it_has_room(
    tmp_path: Path,
) -> None:
    wanted = TEMP_ROOT_GIVEN or machine_memory_root() or tempfile.gettempdir()
    assert tmp_path.resolve().is_relative_to(Path(wanted).resolve()), (tmp_path, wanted)

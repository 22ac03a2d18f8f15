"""``/readyz`` on a full disk: a real ``triage serve`` whose referral log lives on a real, small
tmpfs. Once a write found the disk full, the service says it is not ready (503, the reason naming
the full disk, the file and what to do) - every write would fail - and ready again as soon as the
disk has room. Needs root (to mount the tmpfs)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.test_storage_failures import _walk_in, serving


@contextlib.contextmanager
def tmpfs(mount: Path, options: str) -> Iterator[Path]:
    """A real tmpfs mounted at ``mount`` (created) with ``options`` (``size=8m``, ``ro,size=1m``);
    the test is skipped where it cannot be mounted (not root, no permission)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], check=False)
    if mounted.returncode != 0:
        pytest.skip("this machine cannot mount a tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", "size=8m") as mount:
        yield mount


def _fill(disk: Path) -> Path:
    """Write a file on ``disk`` until it is full. Unbuffered: a buffered file kept the part of the
    last write the disk had no room for, and its close at the end of ``with`` raised ENOSPC again
    (seen once in a clean-clone run)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(bytes(64 * 1024))
        except OSError:
            pass
    return filler


def _fill_until_a_walk_in_fails(disk: Path, client: httpx.Client, api: dict[str, str]) -> Path:
    """Fill ``disk``, then send walk-ins until one is refused because it is full; the filler file."""
    filler = _fill(disk)
    answers = []
    for n in range(1, 200):  # the WAL's free frames take a few writes before one fails
        answers.append(client.post("/api/v1/assessments", json=_walk_in(f"FULL-{n}"), headers=api))
        if answers[-1].status_code != 201:
            break
    assert answers[-1].status_code == 503, answers[-1].text
    assert "is full" in answers[-1].json()["error"]
    return filler


def test_readyz_writes_nothing_while_the_disk_is_still_full(small_disk: Path, tmp_path: Path) -> None:
    """A monitor polls /readyz every few seconds: while the filesystem says it is full, the poll
    writes no test file beside the log (the folder is not modified), and it is ready once freed."""
    db_path = small_disk / "clinic.db"
    with serving(db_path, tmp_path, "en") as served:
        api = {"Authorization": f"Bearer {served.token}"}
        with httpx.Client(base_url=served.base, timeout=20) as client:
            filler = _fill_until_a_walk_in_fails(small_disk, client, api)
            os.utime(small_disk, (0, 0))  # a file created or removed there would change it
            polls = [client.get("/readyz").status_code for _ in range(3)]
            untouched = small_disk.stat().st_mtime == 0
            filler.unlink()
            again = client.get("/readyz")
    assert polls == [503, 503, 503]
    assert untouched, "a /readyz poll wrote a test file beside the log while the disk was full"
    assert again.status_code == 200, again.text
    assert "Traceback" not in "".join(served.log), "".join(served.log)


def test_readyz_says_not_ready_while_the_logs_disk_is_full_and_ready_once_it_has_room(
    small_disk: Path, tmp_path: Path
) -> None:
    db_path = small_disk / "clinic.db"
    with serving(db_path, tmp_path, "en") as served:
        api = {"Authorization": f"Bearer {served.token}"}
        with httpx.Client(base_url=served.base, timeout=20) as client:
            assert client.post("/api/v1/assessments", json=_walk_in("FULL-0"), headers=api).status_code == 201
            filler = _fill_until_a_walk_in_fails(small_disk, client, api)
            full = client.get("/readyz", headers={"Authorization": f"Bearer {served.admin_token}"})
            assert full.status_code == 503, full.text
            reason = full.json()["reason"]
            assert str(db_path) not in client.get("/readyz").text  # only an administrator's names it
            assert reason.startswith("the disk holding the log is full: "), reason
            assert str(db_path) in reason and "free space" in reason and str(small_disk) in reason
            assert client.get("/readyz").status_code == 503  # still full: still not ready
            filler.unlink()
            again = client.get("/readyz")
            assert again.status_code == 200, again.text
            assert client.post("/api/v1/assessments", json=_walk_in("FULL-X"), headers=api).status_code == 201
    assert "Traceback" not in "".join(served.log), "".join(served.log)

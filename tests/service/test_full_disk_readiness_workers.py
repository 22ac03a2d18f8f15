"""``/readyz`` of every process of ``triage serve --workers 2`` on a full or failing disk: a real two-process
service whose referral log lives on a real, small tmpfs. The primary writes every walk-in, so only
its writes find the disk full; the worker's own writes have not failed, yet it must say not ready
too (a load balancer polling ``/readyz`` would keep sending to it, and every write would fail), and
both are ready again once the disk has room. The full disk needs root (to mount the tmpfs). One
service (:func:`limited`) serves every test of the module, one after the other."""

from __future__ import annotations

import contextlib
import os
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from referral.storage import FAILING_AFTER
from tests.service.test_full_disk_readiness import _fill, tmpfs
from tests.service.test_storage_failures import Served, _ignore_file_size_signal, _walk_in, serving


def _fresh(served: Served, method: str, path: str, token: str = "", **kwargs: object) -> httpx.Response:
    """One request on a new connection, so the primary deals it to the next process."""
    headers = {"Authorization": f"Bearer {token or served.token}", "Connection": "close"}
    with httpx.Client(base_url=served.base, timeout=20) as client:
        return client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]


def _until_both_say(served: Served, status: int, deadline_s: float = 30) -> None:
    """Wait until both processes answered ``/readyz`` with ``status`` (the state travels between
    them every second)."""
    seen: set[int] = set()
    started = time.monotonic()
    while seen != {0, 1}:
        assert time.monotonic() - started < deadline_s, f"only processes {sorted(seen)} said {status}"
        answer = _fresh(served, "GET", "/readyz")
        if answer.status_code == status:
            seen.add(int(answer.json()["worker"]))
        time.sleep(0.1)


def _readyz_of_both(served: Served, count: int = 12) -> list[tuple[int, int, str | None]]:
    answers = [_fresh(served, "GET", "/readyz", served.admin_token) for _ in range(count)]  # (in full)
    said = [(a.json()["worker"], a.status_code, a.json()["reason"]) for a in answers]
    assert {worker for worker, _, _ in said} == {0, 1}, said
    return said


def test_every_process_says_not_ready_once_one_found_the_disk_full_and_ready_once_it_has_room(
    limited: Served,
) -> None:
    served, db_path = limited, limited.db_path
    small_disk = db_path.parent
    if not os.path.ismount(small_disk):
        pytest.skip("mounting a tmpfs needs root")  # (limited's log is then in a plain folder)
    _until_both_say(served, 200)
    assert _fresh(served, "POST", "/api/v1/assessments", json=_walk_in("FULL-0")).status_code == 201
    filler = _fill(small_disk)
    try:
        answers = []
        for n in range(1, 200):  # the WAL's free frames take a few writes before one fails
            answers.append(_fresh(served, "POST", "/api/v1/assessments", json=_walk_in(f"FULL-{n}")))
            if answers[-1].status_code != 201:
                break
        assert answers[-1].status_code == 503, answers[-1].text
        assert "is full" in answers[-1].json()["error"]
        _until_both_say(served, 503)
        for worker, status, reason in _readyz_of_both(served):
            assert status == 503, (worker, reason)
            assert reason is not None and reason.startswith("the disk holding the log is full: "), reason
            assert str(db_path) in reason and str(small_disk) in reason
    finally:
        filler.unlink()
    for worker, status, reason in _readyz_of_both(served):
        assert status == 200, (worker, reason)
    for n in range(4):  # either process stores walk-ins again
        assert _fresh(served, "POST", "/api/v1/assessments", json=_walk_in(f"ROOM-{n}")).status_code == 201
    assert "Traceback" not in "".join(served.log), "".join(served.log)


def _processes(served: Served) -> list[int]:
    """The primary and its worker (started from a helper thread: any thread's children)."""
    tasks = Path(f"/proc/{served.process.pid}/task").glob("*/children")
    return [served.process.pid, *(int(x) for task in tasks for x in task.read_text().split())]


@contextlib.contextmanager
def _failing_writes(served: Served) -> Iterator[dict[int, tuple[int, int]]]:
    """A file-size limit of 0 on both processes (EFBIG, SQLite's SQLITE_IOERR_WRITE) until the block
    ends, and :data:`FAILING_AFTER` walk-ins refused by it: yields each process's limits before."""
    _until_both_say(served, 200)
    pids = _processes(served)
    assert len(pids) == 2, pids
    limits = {pid: resource.prlimit(pid, resource.RLIMIT_FSIZE) for pid in pids}
    for pid, (_, hard) in limits.items():
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, hard))
    try:
        for n in range(FAILING_AFTER):
            refused = _fresh(served, "POST", "/api/v1/assessments", json=_walk_in(f"IO-{n}"))
            assert refused.status_code == 503 and "failed at the disk" in refused.json()["error"], (
                refused.text
            )
        _until_both_say(served, 503)
        yield limits
    finally:
        for pid, limit in limits.items():
            resource.prlimit(pid, resource.RLIMIT_FSIZE, limit)


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One real ``triage serve --workers 2`` for this module's tests (each started its own: the
    full-disk test one on its tmpfs, then each file-size-limit test another), its log on a small
    tmpfs of 8 MiB (in the folder itself where none can be mounted: not root). Each test begins once
    both processes are ready (:func:`_until_both_say`, :func:`_failing_writes`), ends with both
    ready again, the disk's room and every limit given back, and sends walk-ins of record numbers
    no test counts, so what one leaves cannot answer another's question. Its log, shutdown
    included, holds no traceback."""
    folder = tmp_path_factory.mktemp("limited")
    with contextlib.ExitStack() as stack:
        try:
            disk = stack.enter_context(tmpfs(folder / "disk", "size=8m"))
        except pytest.skip.Exception:
            disk = folder
        served = stack.enter_context(
            serving(disk / "clinic.db", folder, "en", workers=2, preexec_fn=_ignore_file_size_signal)
        )
        yield served
    assert "Traceback" not in "".join(served.log), "".join(served.log)


def test_every_process_says_not_ready_while_the_disk_fails_writes_and_ready_once_it_works(
    limited: Served,
) -> None:
    """A disk that fails writes (a real file-size limit of 0 on both processes: EFBIG, SQLite's
    SQLITE_IOERR_WRITE): the primary writes every walk-in, so only it counts the failures, yet the
    worker must say not ready too."""
    served = limited
    with _failing_writes(served):
        for worker, status, reason in _readyz_of_both(served):
            assert status == 503, (worker, reason)
            assert reason is not None and reason.startswith("the disk holding the log fails writes: "), reason
    for worker, status, reason in _readyz_of_both(served):
        assert status == 200, (worker, reason)
    assert _fresh(served, "POST", "/api/v1/assessments", json=_walk_in("IO-X")).status_code == 201
    assert "Traceback" not in "".join(served.log), "".join(served.log)


def test_a_worker_is_ready_again_once_the_primary_stores_a_write_though_its_own_test_write_fails(
    limited: Served,
) -> None:
    """A worker hands its walk-ins to the primary: it kept the failure the primary reported for as
    long as its own test write failed (here a real file-size limit of 0 it keeps), although the
    primary stored walk-ins again (its limit raised to 1 MiB - 1: the log's writes fit, the 1 MiB
    test write does not). The primary's stored write clears it on the worker too."""
    served = limited
    with _failing_writes(served) as limits:
        primary = served.process.pid
        resource.prlimit(primary, resource.RLIMIT_FSIZE, (1024 * 1024 - 1, limits[primary][1]))
        stored = _fresh(served, "POST", "/api/v1/assessments", json=_walk_in("IO-STORED"))
        assert stored.status_code == 201, stored.text
        _until_both_say(served, 200)
    assert "Traceback" not in "".join(served.log), "".join(served.log)

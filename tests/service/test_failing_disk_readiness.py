"""``/readyz`` on a disk that fails writes: a real ``triage serve`` whose file-size limit drops to 0
(``RLIMIT_FSIZE``: every write to the log fails with EFBIG, SQLite's SQLITE_IOERR_WRITE - a disk
that refuses writes). One failure can pass and leaves the service ready; from the third on,
``/readyz`` writes a test file beside the log, and while that fails too the service says it is not
ready (503, the reason naming the file and what to check), ready again once the test write works."""

from __future__ import annotations

import resource

import httpx

from referral.storage import FAILING_AFTER, PROBE_BYTES
from tests.service.test_storage_failures import Served, _mrns, _walk_in, served

__all__ = ["served"]  # the fixture, used by name


def test_readyz_says_not_ready_while_writes_fail_at_the_disk_and_ready_once_they_work(served: Served) -> None:
    api = {"Authorization": f"Bearer {served.token}"}
    with httpx.Client(base_url=served.base, timeout=20) as client:
        assert client.post("/api/v1/assessments", json=_walk_in("IO-0"), headers=api).status_code == 201
        limits = resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, (0, limits[1]))
        try:
            first = client.post("/api/v1/assessments", json=_walk_in("IO-1"), headers=api)
            assert first.status_code == 503 and "failed at the disk" in first.json()["error"], first.text
            assert client.get("/readyz").status_code == 200  # one failure can pass
            for n in range(2, 2 + FAILING_AFTER):
                refused = client.post("/api/v1/assessments", json=_walk_in(f"IO-{n}"), headers=api)
                assert refused.status_code == 503, refused.text
            failing = client.get("/readyz", headers={"Authorization": f"Bearer {served.admin_token}"})
            assert failing.status_code == 503, failing.text
            assert str(served.db_path.name) not in client.get("/readyz").text  # (an administrator's)
            reason = failing.json()["reason"]
            assert reason.startswith("the disk holding the log fails writes: "), reason
            assert str(served.db_path.resolve()) in reason and "test write" in reason, reason
            assert client.get("/readyz").status_code == 503  # still failing: still not ready
        finally:
            resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, limits)
        again = client.get("/readyz")
        assert again.status_code == 200, again.text
        assert client.post("/api/v1/assessments", json=_walk_in("IO-X"), headers=api).status_code == 201
    assert _mrns(served.db_path) == ["IO-0", "IO-X"]
    assert "Traceback" not in "".join(served.log), "".join(served.log)


def _refused_at_the_disk(served: Served, client: httpx.Client, mrn: str) -> None:
    """One walk-in sent while the service may write no byte (``RLIMIT_FSIZE`` of 0): refused."""
    limits = resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE)
    resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, (0, limits[1]))
    try:
        refused = client.post("/api/v1/assessments", json=_walk_in(mrn), headers=_api(served))
    finally:
        resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, limits)
    assert refused.status_code == 503 and "failed at the disk" in refused.json()["error"], refused.text


def _api(served: Served) -> dict[str, str]:
    return {"Authorization": f"Bearer {served.token}"}


def test_a_stored_walk_in_forgets_the_failures_before_it(served: Served) -> None:
    """Failures are counted in a row: those before a stored walk-in do not add up with those after
    it (two on Monday and one on Friday are not a failing disk)."""
    with httpx.Client(base_url=served.base, timeout=20) as client:
        for n in range(1, FAILING_AFTER):
            _refused_at_the_disk(served, client, f"ROW-{n}")
        stored = client.post("/api/v1/assessments", json=_walk_in("ROW-OK"), headers=_api(served))
        assert stored.status_code == 201, stored.text
        limits = resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, (0, limits[1]))
        try:
            refused = client.post("/api/v1/assessments", json=_walk_in("ROW-X"), headers=_api(served))
            assert refused.status_code == 503, refused.text
            ready = client.get("/readyz")  # the test write would fail: only the count decides
        finally:
            resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, limits)
    assert ready.status_code == 200, ready.text
    assert _mrns(served.db_path) == ["ROW-OK"]


def test_a_stored_walk_in_makes_the_service_ready_though_the_test_write_still_fails(served: Served) -> None:
    """Once a walk-in is stored the disk takes writes, whatever the test write beside the log says:
    here a file-size limit under the test write's size (it fails) but over the log's (SQLite writes)."""
    with httpx.Client(base_url=served.base, timeout=20) as client:
        for n in range(FAILING_AFTER):
            _refused_at_the_disk(served, client, f"LIM-{n}")
        limits = resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, (PROBE_BYTES - 1, limits[1]))
        try:
            assert client.get("/readyz").status_code == 503  # the test write fails: not ready
            sizes = {p.name: p.stat().st_size for p in served.db_path.parent.glob("clinic.db*")}
            assert max(sizes.values()) < PROBE_BYTES // 2, sizes  # room under the limit for a walk-in
            stored = client.post("/api/v1/assessments", json=_walk_in("LIM-OK"), headers=_api(served))
            ready = client.get("/readyz")
        finally:
            resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, limits)
    assert stored.status_code == 201, stored.text
    assert ready.status_code == 200, ready.text
    assert _mrns(served.db_path) == ["LIM-OK"]
    assert "Traceback" not in "".join(served.log), "".join(served.log)

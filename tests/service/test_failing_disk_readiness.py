"""``/readyz`` on a disk that fails writes: a real ``triage serve`` whose file-size limit drops to 0
(``RLIMIT_FSIZE``: every write to the log fails with EFBIG, SQLite's SQLITE_IOERR_WRITE - a disk
that refuses writes). One failure can pass and leaves the service ready; from the third on,
``/readyz`` writes a test file beside the log, and while that fails too the service says it is not
ready (503, the reason naming the file and what to check), ready again once the test write works."""

from __future__ import annotations

import resource

import httpx

from referral.storage import FAILING_AFTER
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
            failing = client.get("/readyz")
            assert failing.status_code == 503, failing.text
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

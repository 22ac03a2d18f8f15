"""A session's idle limit counts from its last use, also when the limit is short: an administrator
who sets ``service.idle_logout_s`` to two minutes (a PC in a corridor) expects a nurse working on it
to stay signed in. The last use was written at most once a minute, so a request 59 s after the
last write was not counted: a nurse who worked until then and came back 62 s later was signed out
at what the service counted as 121 s without use. The last use is now written at least every
quarter of the idle limit (once a minute for the default 30 minutes, as before). Real uvicorn,
real SQLite, the service's own clock (``create_app(wall=)``)."""

from __future__ import annotations

from pathlib import Path

from tests.service.test_security_clock_set_back import Clocks, signed_in
from triage.service.auth import Role


def test_a_short_idle_limit_counts_from_the_last_request(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    clocks = Clocks()
    with signed_in(tmp_path, seeded, clocks, idle_logout_s=120) as client:
        for step in (10, 10, 10, 10, 10, 9):  # working: a request every few seconds for 59 s
            clocks.on(step)
            assert client.get("/api/v1/queue").status_code == 200
        clocks.on(62)  # away 62 s: within the two minutes
        assert client.get("/api/v1/queue").status_code == 200, "signed out 62 s after the last request"
        clocks.on(121)  # away past the limit: signed out
        ended = client.get("/api/v1/queue")
        assert ended.status_code == 401 and ended.json()["code"] == "not_authenticated", ended.text

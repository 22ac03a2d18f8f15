"""The failed-login limit keeps no memory of user names it refused: an unauthenticated client
sending a new name with each refused login filled the service's memory, one entry a request."""

from __future__ import annotations

from tests.service.conftest import PASSWORD, Staff
from triage.service.security import LoginRateLimiter


def test_logins_refused_by_the_limit_leave_nothing_behind(staff: Staff) -> None:
    limiter = staff.app.state.runtime.limiter
    for _ in range(5):  # the client's address reaches its limit
        assert (
            staff.client.post("/login", data={"username": "nurse", "password": "wrong-pass"}).status_code
            == 401
        )
    for n in range(300):
        refused = staff.client.post("/login", data={"username": f"guess{n}", "password": PASSWORD})
        assert refused.status_code == 429
    assert sorted(limiter._failures) == ["addr:testclient", "user:nurse"]


def test_failures_past_the_window_are_forgotten() -> None:
    now = [1000.0]
    limiter = LoginRateLimiter(5, clock=lambda: now[0])
    for n in range(LoginRateLimiter.SWEEP_ABOVE + 50):
        limiter.failed(f"user:u{n}", "addr:10.0.0.8")
    now[0] += 61  # a minute later every one of them is past the window
    assert limiter.retry_after_s("addr:10.0.0.8") == 0
    limiter.failed("user:nurse", "addr:10.0.0.9")
    assert sorted(limiter._failures) == ["addr:10.0.0.9", "user:nurse"]

"""The machine's clock set back (a wrong manual correction, a dead RTC battery before NTP, a virtual
machine restored from a snapshot) must not bring back what expired. Session and API token expiry
and last use were measured against the wall clock alone: set back, an expired token worked again
and a session's idle and absolute limits gained the hours the clock lost. They are measured against
a :class:`referral.forward_clock.ForwardClock` now - after a step back it goes on from the time it
last gave by the monotonic clock, and starts from the newest time the log holds after a restart -;
the step back is said in the service log and to an administrator in ``/readyz``, and an audit entry
stamped before the one ahead of it is said by ``verify-audit`` (the trail's order is its numbers).

Real uvicorn, real SQLite; the clocks are the service's own clock parameter (``create_app(wall=)``),
nothing of Python's ``time`` is replaced."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from referral import audit
from referral.forward_clock import ForwardClock, newest_time, utc_text
from referral.schema import connect
from referral.transactions import write
from tests.service.conftest import HTTP_TIMEOUT_S, PASSWORD, copy_seeded, live_server, make_settings
from triage.cli import main
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role, audit_sign_in
from triage.service.runtime import LogRetry

DAY_S = 86_400.0


class Clocks:
    """A wall clock the test sets and a monotonic one it moves on, both read by the service."""

    def __init__(self) -> None:
        self.wall_at = time.time()
        self.mono_at = 1000.0

    def forward(self) -> ForwardClock:
        return ForwardClock(lambda: self.wall_at, lambda: self.mono_at)

    def on(self, seconds: float) -> None:
        """Time passes: both clocks move on."""
        self.wall_at += seconds
        self.mono_at += seconds


def test_an_expired_token_stays_expired_when_the_clock_is_set_back(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], caplog: pytest.LogCaptureFixture
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    admin = {"Authorization": f"Bearer {tokens[Role.admin]}"}
    clocks = Clocks()
    app = create_app(make_settings(tmp_path), wall=clocks.forward())
    with live_server(app) as base, httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client:
        issued = client.post(
            "/api/v1/tokens",
            json={"username": "integrator", "label": "lab bridge", "expires_in_days": 1},
            headers=admin,
        ).json()
        bridge = {"Authorization": f"Bearer {issued['token']}"}
        assert client.get("/api/v1/devices", headers=bridge).status_code == 200
        clocks.on(2 * DAY_S)
        assert client.get("/api/v1/devices", headers=bridge).status_code == 401, "expired"
        assert client.get("/readyz", headers=admin).json()["clock"] is None, "the clock is right"

        with caplog.at_level(logging.WARNING, logger="referral.forward_clock"):
            clocks.wall_at -= 3 * DAY_S  # set back to a day before the token was issued
            clocks.mono_at += 1
            refused = client.get("/api/v1/devices", headers=bridge)
        assert refused.status_code == 401, "an expired token came back to life"
        assert refused.json()["error"].startswith("the API token expired at "), refused.text
        assert client.get("/api/v1/devices", headers=admin).status_code == 200, "live tokens still work"
        [warned] = [r.getMessage() for r in caplog.records if r.name == "referral.forward_clock"]
        assert "before" in warned and "it was set back" in warned, warned

        said = client.get("/readyz", headers=admin).json()
        assert said["ready"] is True, "a clock set back does not take the service out of service"
        assert said["clock"].startswith("the machine's clock is 259201 s behind the time"), said
        assert client.get("/readyz").json()["clock"] is None, "to an administrator only"
        listed = {
            row["label"]: row["state"] for row in client.get("/api/v1/tokens", headers=admin).json()["data"]
        }
        assert listed["lab bridge"] == "expired"

    # a restart with the clock still set back: the log's newest times (the admin token's last use,
    # two days on) hold the new process's clock
    restarted = Clocks()
    restarted.wall_at = clocks.wall_at
    again = create_app(make_settings(tmp_path), wall=restarted.forward())
    with live_server(again) as base, httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client:
        assert client.get("/api/v1/devices", headers=bridge).status_code == 401, "revived by a restart"


@contextmanager
def signed_in(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], clocks: Clocks, idle_logout_s: int
) -> Iterator[httpx.Client]:
    """A client signed in as the nurse on the service on a real server, on ``clocks``."""
    copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path, idle_logout_s=idle_logout_s), wall=clocks.forward())
    with live_server(app) as base, httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client:
        logged_in = client.post(
            "/login", data={"username": Role.nurse.value, "password": PASSWORD}, follow_redirects=False
        )
        assert logged_in.status_code == 303 and SESSION_COOKIE in client.cookies, logged_in.text
        yield client


def test_a_session_s_idle_limit_counts_on_when_the_clock_is_set_back(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    clocks = Clocks()
    with signed_in(tmp_path, seeded, clocks, idle_logout_s=1800) as client:
        clocks.on(25 * 60)
        assert client.get("/queue", follow_redirects=False).status_code == 200
        clocks.wall_at -= 2 * 3600  # set back two hours
        clocks.mono_at += 60
        assert client.get("/queue", follow_redirects=False).status_code == 200, "used a minute ago"
        clocks.on(31 * 60)  # 31 minutes without a request
        ended = client.get("/queue", follow_redirects=False)
        assert ended.status_code == 303 and "/login" in ended.headers["location"], (
            "the session outlived its idle limit by the two hours the clock lost"
        )


def test_verify_audit_says_entries_stamped_before_the_one_ahead_of_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    log = tmp_path / "clinic.db"
    db = connect(log)

    def entry() -> None:  # a sign-in: compared with no table
        data = {"client": "127.0.0.1", "via": "password"}
        write(db, lambda db: audit_sign_in(db, "user.login", "admin", "admin", data))

    entry()
    entry()
    # the same trail as a clock set back an hour writes it: entry 3's time before entry 2's
    db.conn.execute("DROP TRIGGER audit_no_update")
    later = "2999-01-01T00:00:00.000+00:00"
    row = next(db.query("SELECT * FROM audit WHERE seq = 2"))
    row["at"] = later
    row["hash"] = audit.entry_hash(row)
    db.conn.execute("UPDATE audit SET at = ?, hash = ? WHERE seq = 2", [later, row["hash"]])
    db.conn.commit()
    with caplog.at_level(logging.WARNING, logger="referral.audit"):
        entry()
    [warned] = [r.getMessage() for r in caplog.records if r.name == "referral.audit"]
    assert warned.startswith("audit: entry 3 is stamped ") and "before entry 2 (2999-01-01" in warned, warned
    db.close()
    assert main(["referrals", "verify-audit", "--db", str(log)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(
        "note: the machine's clock was set back while the trail was written: 1 entry is stamped"
        " earlier than the entry before it (entry 3); the trail's order is its entries' numbers"
    ), err


def test_the_tokens_listing_counts_from_the_newest_time_the_log_holds(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """`triage referrals tokens` read the wall clock alone: set back, it listed as live a token the
    service had refused as expired."""
    copy_seeded(seeded, tmp_path)
    clocks = Clocks()
    clocks.on(10 * DAY_S)  # the service ran ten days on; the clock is then set back to today
    app = create_app(make_settings(tmp_path), wall=clocks.forward())
    accounts = app.state.runtime.accounts
    accounts.issue_token("integrator", "lab bridge", actor="admin", days=1)
    usual = accounts.issue_token("integrator", "scale", actor="admin")
    clocks.on(2 * DAY_S)
    assert accounts.user_for_token(usual) is not None  # used: its last use is in the log
    app.state.runtime.databases.close_all()
    assert main(["referrals", "tokens", "--db", str(tmp_path / "clinic.db"), "--json"]) == 0
    states = {row["label"]: row["state"] for row in json.loads(capsys.readouterr().out)}
    assert states["lab bridge"] == "expired" and states["scale"] == "live", states


def test_a_time_in_the_log_that_does_not_read_as_one_is_no_floor(tmp_path: Path) -> None:
    """The newest audit entry's time not ISO 8601 (a log edited by hand, a tool's own entry) stopped
    the service's start with a ValueError; it is no floor for the clock."""
    db = connect(tmp_path / "clinic.db")
    entry = {"seq": 1, "at": "yesterday", "actor": "tool", "action": "note", "entity": "log"}
    entry |= {"entity_id": "x", "reason": "-", "data": "{}", "prev_hash": audit.GENESIS_HASH}
    entry["hash"] = audit.entry_hash(entry)
    db.conn.execute(
        "INSERT INTO audit (seq, at, actor, action, entity, entity_id, reason, data, prev_hash, hash)"
        " VALUES (:seq, :at, :actor, :action, :entity, :entity_id, :reason, :data, :prev_hash, :hash)",
        entry,
    )
    db.conn.commit()
    assert newest_time(db) == 0.0
    db.close()


def test_readyz_counts_down_to_the_log_s_next_attempt_by_the_monotonic_clock() -> None:
    """While the referral log is tried again, /readyz's ``next_attempt_in_s`` was the wall clock's
    distance to the attempt: a clock set back an hour said it was an hour away (the retry itself
    sleeps on the event loop's monotonic clock: seconds away)."""
    clocks = Clocks()
    retry = LogRetry.after(3, 4.0, wall=lambda: clocks.wall_at, monotonic=lambda: clocks.mono_at)
    scheduled = clocks.wall_at
    clocks.wall_at -= 3600  # set back an hour
    clocks.mono_at += 1
    said = retry.said(clocks.mono_at)
    assert said["next_attempt_in_s"] == 3.0, said
    assert said["next_attempt"] == 4 and said["next_attempt_at"] == utc_text(scheduled + 4.0), said

"""An API token at and after its expiry. Two gaps where an expired (or revoked) token was still
answered:

- the check compared the expiry with the time cut to the whole second (formatted once a second),
  so a token worked up to a second past its ``expires_at`` - while ``GET /api/v1/tokens`` already
  listed it ``expired``;
- the live-update stream (``/events``) opened with a token went on sending the clinic's events
  after the token expired, was revoked or its account disabled (a session's stream ends before its
  next event, ``test_security_events_after_logout``), until the client closed it.

Now the token is refused from its expiry to the millisecond, its stream ends cleanly before the next
event, and the reconnection is a 401 saying the token expired. Real uvicorn, real SQLite; the
service's clock is moved by the ``Accounts.now`` it reads (no sleeping)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from tests.service.test_security_events_after_logout import stream_hears_no_event_after
from triage.service import create_app
from triage.service.auth import Role
from triage.service.security import token_digest


@contextmanager
def _service(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[tuple[Any, str, dict[str, str]]]:
    """The seeded service on real uvicorn: the app, its base URL and the administrator's headers."""
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    with live_server(app) as base:
        yield app, base, {"Authorization": f"Bearer {tokens[Role.admin]}"}


def test_a_token_is_refused_from_its_expiry_to_the_millisecond(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    with (
        _service(tmp_path, seeded) as (app, base, admin),
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        accounts = app.state.runtime.accounts
        made = client.post(
            "/api/v1/tokens",
            json={"username": "integrator", "label": "lab bridge", "expires_in_days": 1},
            headers=admin,
        ).json()
        expires = datetime.fromisoformat(made["expires_at"])
        bridge = {"Authorization": f"Bearer {made['token']}"}
        for after_ms, status in ((-1, 200), (0, 401), (1, 401), (500, 401), (999, 401)):
            # a whole second, then this many milliseconds (the expiry's own second, cut or not)
            accounts.now = lambda ms=after_ms: expires + timedelta(milliseconds=ms)
            answer = client.get("/api/v1/devices", headers=bridge)
            assert answer.status_code == status, (after_ms, answer.text)
            if status == 401:
                assert answer.json()["error"].startswith("the API token expired at "), answer.text
            listed = client.get("/api/v1/tokens", headers=admin).json()["data"]
            state = {row["id"]: row["state"] for row in listed}[token_digest(made["token"])[:12]]
            assert state == ("live" if status == 200 else "expired"), (after_ms, state)


def test_a_tokens_open_stream_ends_when_it_expires_and_the_reconnection_is_told_so(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    with _service(tmp_path, seeded) as (app, base, admin):
        accounts = app.state.runtime.accounts
        short = accounts.issue_token("nurse", "ward screen", actor="admin", days=1)
        with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {short}"}) as nurse:
            later = lambda: datetime.now(UTC) + timedelta(days=2)  # noqa: E731
            stream_hears_no_event_after(nurse, base, admin, lambda: setattr(accounts, "now", later))
            again = nurse.get("/events", headers={"Accept": "text/event-stream"})
            assert again.status_code == 401, again.text
            assert "the API token expired at " in again.text, again.text  # (the error page: a page's path)


def test_a_revoked_tokens_open_stream_ends_before_the_next_event(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    with _service(tmp_path, seeded) as (app, base, admin):
        screen = app.state.runtime.accounts.issue_token("nurse", "ward screen", actor="admin")
        revoke = lambda: httpx.post(  # noqa: E731
            f"{base}/api/v1/tokens/revoke", json={"token": screen}, headers=admin, timeout=HTTP_TIMEOUT_S
        ).raise_for_status()
        with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {screen}"}) as nurse:
            stream_hears_no_event_after(nurse, base, admin, revoke)
            assert nurse.get("/events").status_code == 401

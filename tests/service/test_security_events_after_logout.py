"""The live-update stream of a session that ended hears nothing more: it went on sending the
clinic's events (which visit changed, whether urgent) to a page whose user had logged out or whose
account was disabled, until the page was closed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, PASSWORD, WALK_IN, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role


def stream_hears_no_event_after(
    client: httpx.Client, base: str, admin: dict[str, str], act: Callable[[], object]
) -> None:
    """Open ``/events`` as ``client`` (its session or token), run ``act``, make a walk-in (an event
    for every open stream): the stream ends without sending it."""
    with client.stream("GET", "/events") as events:
        assert events.status_code == 200
        lines = events.iter_lines()
        assert next(lines).startswith("retry:")  # the hello: the stream is open
        act()
        walk_in = httpx.post(
            f"{base}/api/v1/assessments", json=WALK_IN, headers=admin, timeout=HTTP_TIMEOUT_S
        )
        assert walk_in.status_code == 201, walk_in.text  # an event for every open stream
        heard = []
        for line in lines:  # to the end of the stream, or the event it should not send
            heard.append(line)
            if line.startswith("event: queue"):
                break
    assert not [line for line in heard if line.startswith("event: queue")], heard


def test_a_disabled_accounts_open_stream_ends_before_the_next_event(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    admin = {"Authorization": f"Bearer {tokens[Role.admin]}"}
    app = create_app(make_settings(tmp_path))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as nurse:
        assert nurse.post("/login", data={"username": "nurse", "password": PASSWORD}).status_code == 303
        assert SESSION_COOKIE in nurse.cookies
        disable = lambda: httpx.post(  # noqa: E731
            f"{base}/api/v1/users/nurse/disable", headers=admin, timeout=HTTP_TIMEOUT_S
        ).raise_for_status()
        stream_hears_no_event_after(nurse, base, admin, disable)

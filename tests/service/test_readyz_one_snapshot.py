"""``/readyz`` answers in a thread while the referral log's background retry, and then the start of
the rest, run on the event loop. Each answer must be what one moment of the start-up said. The
readiness was three attributes written one after the other and read one after the other, so a read
between two of the loop's writes paired the retry of a failed attempt with the reason of a later
step ('loading policy and risk models (retrying in the background: attempt 1 failed, ...)' once the
log had opened), or said not ready with no reason as the service became ready.

The real app on a real SQLite file whose folder cannot be made at first (a file stands where it
goes), then can: every state the real start-up makes visible - each assignment to the runtime - is
recorded, from before the first attempt until ready. Then ``/readyz``'s handler is run in this
thread, traced, starting in one recorded state and moved to any later one before any line of the
project's code it runs (as the loop running while this thread waits there would): its answer must
be the answer of the state it started in or of the one it was moved to, read whole.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi.testclient import TestClient
from starlette.requests import Request

import referral
import triage
from triage.service import create_app
from triage.service.api import system
from triage.service.runtime import Runtime
from triage.settings import load_settings

#: The code whose lines a thread switch is tried before: the service's and the referral log's.
TRACED = tuple(str(Path(package.__file__).parent) + "/" for package in (triage, referral))

State = dict[str, Any]


def answer(
    runtime: Runtime, move: Callable[[], None] | None = None, before_line: int = -1
) -> tuple[State, int]:
    """``/readyz``'s status, ``Retry-After`` and body (but the seconds to the next attempt, which
    the clock counts down), and how many lines of the traced code it ran; ``move`` is run before
    the ``before_line``-th of them."""
    request = Request(
        {"type": "http", "method": "GET", "path": "/readyz", "headers": [], "query_string": b""}
    )
    lines = 0

    def trace(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
        nonlocal lines
        if not frame.f_code.co_filename.startswith(TRACED):
            return None
        if event == "line":
            if lines == before_line and move is not None:
                move()
            lines += 1
        return trace

    sys.settrace(trace)
    try:
        response = system.readyz(request, runtime)
    finally:
        sys.settrace(None)
    body = json.loads(bytes(response.body))
    if body["retry"] is not None:
        del body["retry"]["next_attempt_in_s"]
    return {"status": response.status_code, "retry_after": response.headers.get("retry-after"), **body}, lines


def test_every_readyz_answer_is_one_moment_of_the_start_up(tmp_path: Path) -> None:
    blocker = tmp_path / "mnt"
    blocker.write_text("")  # where the log's folder goes: it cannot be made (root writes anywhere)
    settings = load_settings(None, data_dir=tmp_path, database={"path": blocker / "clinic.db"})
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    states: list[State] = [dict(vars(runtime))]

    class Recording(Runtime):
        """This service's runtime, each state the start-up gives it kept as it is given."""

        def __setattr__(self, name: str, value: Any) -> None:
            super().__setattr__(name, value)
            states.append(dict(vars(self)))

    runtime.__class__ = Recording
    with TestClient(app) as client:
        retry = runtime.extras["log_retry_task"]  # the first attempt failed: tried again after 1 s
        blocker.unlink()
        blocker.mkdir()

        async def opened() -> None:
            await retry  # the log opened, the rest started

        client.portal.call(opened)
        runtime.__class__ = Runtime
        final = dict(vars(runtime))

        def whole(state: State) -> tuple[State, int]:
            vars(runtime).update(state)
            return answer(runtime)

        said = [whole(state) for state in states]
        assert said[0][0]["reason"] == "starting" and said[-1][0]["ready"] is True, said
        assert any(body["retry"] for body, _ in said), said  # retried, then ready
        most = max(lines for _, lines in said)
        torn: set[str] = set()
        for first in range(len(states)):
            for later in range(first + 1, len(states)):
                for line in range(most):
                    vars(runtime).update(states[first])
                    got, _ = answer(runtime, lambda later=later: vars(runtime).update(states[later]), line)
                    if got not in (said[first][0], said[later][0]):
                        torn.add(f"{short(said[first][0])} -> {short(said[later][0])}: said {short(got)}")
        vars(runtime).update(final)
    assert not torn, "\n".join(sorted(torn))


def short(body: State) -> str:
    """An answer in a few words: its status, reason and failed attempts."""
    retry = body["retry"]
    return f"[{body['status']} {body['reason']!r} retry={retry and retry['failed_attempts']}]"

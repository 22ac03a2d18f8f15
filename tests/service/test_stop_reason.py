"""What the stopping service says of itself: its readiness at the stop (``wiring.stop_clinic``)
kept the ready service's reason, "", so what was refused while it stopped said no why - a walk-in a
``serve --workers`` worker hands the primary's writer line after its group commit stopped was
answered "the database writer is not running: " and ``/readyz`` ``{"ready": false, "reason": ""}``.
It now says it is stopping and what asked it to: the signal the server's own handler received. The
real app and its lifespan on a real SQLite file; ``ClinicServer.handle_exit`` as uvicorn calls it
on SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import copy_seeded, make_settings
from triage.errors import DependencyMissingError
from triage.service import create_app
from triage.service.api.deps import committer
from triage.service.auth import Role
from triage.service.runtime import Readiness
from triage.service.server import ClinicServer


@pytest.mark.parametrize(("sig", "said"), [(signal.SIGTERM, "sigterm"), (signal.SIGINT, "ctrl-c")])
def test_what_is_refused_while_the_service_stops_says_why(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], sig: signal.Signals, said: str
) -> None:
    copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    runtime = app.state.runtime
    server = ClinicServer(app, "127.0.0.1", 0)
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        assert committer(runtime) is not None  # the group commit runs
        server.handle_exit(sig, None)  # the service manager's stop (or Ctrl-C)
    # the lifespan's stop has run: the group commit is gone
    assert runtime.readiness == Readiness(False, f"stopping: {said}")
    with pytest.raises(DependencyMissingError) as refused:
        committer(runtime)  # what a worker's walk-in meets on the writer line now
    assert str(refused.value) == f"the database writer is not running: stopping: {said}"

"""``/readyz`` answers in a thread while the referral log's background retry runs on the event
loop. It read the reason, then the retry: when the log opened between the two reads (the retry
task said "starting" and cleared the retry), the answer paired the failure the log no longer had
with no retry - a clean-clone run's tests/service/test_log_retry.py saw 'invalid_config ...' with
``retry: null`` while it waited. Now the retry is read first and the retry task says the reason
before it clears the retry. The loop's step is run at each point between readyz's reads (the real
``wiring.log_opened``); a real SQLite file, the real app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from triage.service import create_app
from triage.service.api import system
from triage.service.runtime import LogRetry
from triage.service.wiring import log_opened
from triage.settings import load_settings

FAILING = "log_unavailable: the referral log's folder is not there"


def _answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opens: str) -> dict[str, Any]:
    """readyz's answer when the log opens ``before`` or ``after`` its reading of the reason."""
    settings = load_settings(
        None, data_dir=tmp_path, database={"path": tmp_path / "clinic.db"}, models={"enabled": ["cvd"]}
    )
    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        runtime.not_ready_reason = FAILING
        runtime.log_retry = LogRetry.after(2, 4.0)
        real: Callable[[Any], tuple[bool, str]] = system.readiness

        def readiness(rt: Any) -> tuple[bool, str]:
            if opens == "before":
                log_opened(rt)
            said = real(rt)
            if opens == "after":
                log_opened(rt)
            return said

        monkeypatch.setattr(system, "readiness", readiness)
        monkeypatch.setattr(system, "sees_detail", lambda request: True)
        answer = client.get("/readyz")
    assert answer.status_code == 503, answer.text
    return answer.json()


@pytest.mark.parametrize("opens", ["before", "after"])
def test_the_reason_and_the_retry_are_read_as_one_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opens: str
) -> None:
    body = _answer(tmp_path, monkeypatch, opens)
    if body["retry"] is None:
        assert body["reason"] == "starting", body  # not the failure the log no longer has
    else:
        assert body["reason"].startswith(FAILING + " (retrying in the background: attempt 2 failed"), body
        assert body["retry"]["failed_attempts"] == 2, body

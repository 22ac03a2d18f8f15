"""The browser and live-server tests' ``live_server`` (tests/service/conftest.py) stops the test
where a service never gets ready, saying why: it went on once ``/readyz`` had not answered 200 for
its whole wait, and the test failed later at a page's 503 or a login that did not lead on, with no
word of the service's own reason. Real uvicorn over a file that is no referral log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.service.conftest import live_server, make_settings
from triage.service import create_app


def test_a_service_that_never_gets_ready_fails_the_test_saying_what_it_answered_and_logged(
    tmp_path: Path,
) -> None:
    junk = tmp_path / "clinic.db"
    junk.write_text("these are my notes, not a referral log\n" * 50, encoding="utf-8")
    app = create_app(make_settings(tmp_path))
    with pytest.raises(pytest.fail.Exception) as failed, live_server(app, ready_wait_s=1.5):
        pass
    said = str(failed.value)
    assert said.startswith("the service at http://127.0.0.1:"), said
    assert "was not ready within 1.5 s: /readyz last answered 503 " in said, said
    assert '"reason":"invalid_config' in said.replace(" ", ""), said
    assert f"service not ready: invalid_config: database.path {junk}: not a usable referral log" in said, said

"""The first administrator's language: ``POST /setup`` without ``language`` (a script's or a
client's post; the page's form always sends its choice) gave the account Chinese whatever the
clinic's ``service.default_language`` said, where ``POST /api/v1/users`` and ``triage referrals users
add`` without one give the setting. Now the setting, a ``language`` sent still winning. Real uvicorn
on a real SQLite file, the clinic's language set to English (as the test settings do)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.service.conftest import PASSWORD, live_server, make_settings
from triage.service import create_app


@pytest.mark.parametrize(("sent", "expected"), [({}, "en"), ({"language": "zh"}, "zh")])
def test_setup_without_a_language_gives_the_clinics(
    tmp_path: Path, sent: dict[str, str], expected: str
) -> None:
    app = create_app(make_settings(tmp_path))
    assert app.state.runtime.settings.service.default_language == "en"
    with live_server(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        form = {"username": "boss", "password": PASSWORD, **sent}
        answer = client.post("/setup", data=form, headers={"Origin": base})
        assert answer.status_code == 303, answer.text
        accounts = app.state.runtime.accounts.list()
    assert [(a.username, a.language) for a in accounts] == [("boss", expected)]

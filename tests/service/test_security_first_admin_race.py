"""Two first-run setups sent at once make one administrator, not two: ``create_first_admin``
counted the accounts, hashed the password (argon2, slow on purpose) and then created the account,
so a second ``/setup`` post arriving meanwhile (two staff at two PCs, or ``serve --workers 2``)
also found none and made a second administrator. The count and the insert are one ``BEGIN
IMMEDIATE`` transaction now; the later post is told an administrator exists - on a Chinese page
in Chinese (the generic "以当前记录无法执行此操作" was all it said there)."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from tests.service.conftest import PASSWORD, live_server, make_settings
from triage.service import create_app

SENDERS = 4


def test_setups_posted_at_once_make_exactly_one_administrator(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    with live_server(app) as base:
        start = threading.Barrier(SENDERS)
        answers: dict[str, httpx.Response] = {}

        def send(name: str) -> None:
            form = {"username": name, "password": PASSWORD, "language": "en"}
            with httpx.Client(base_url=base, timeout=60, cookies={"triage_lang": "zh"}) as client:
                start.wait()
                answers[name] = client.post("/setup", data=form, headers={"Origin": base})

        senders = [threading.Thread(target=send, args=(f"boss{n}",)) for n in range(SENDERS)]
        for thread in senders:
            thread.start()
        for thread in senders:
            thread.join()
        accounts = app.state.runtime.accounts.list()
    assert [a.role for a in accounts] == ["admin"], accounts
    made = accounts[0].username
    assert answers[made].status_code == 303 and answers[made].headers["location"] == "/"
    for name, answer in answers.items():
        if name != made:
            assert answer.status_code == 409, answer.text
            assert "管理员已存在：请直接登录。" in answer.text, answer.text
            assert "an administrator already exists; log in instead" in answer.text  # the record
            assert "triage_session" not in answer.cookies

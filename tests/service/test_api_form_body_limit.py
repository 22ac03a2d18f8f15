"""A form's body is held to the API's 1 MiB too: only paths under ``/api/`` were, so anyone on the
clinic LAN, signed in or not, could send ``/login`` (or any page's form) a body of a thousand
fields of 1 MB each - Starlette's own limits per field and per form - and the service read and kept
all of it in memory before refusing the login. Now it is a 413 before the body is read, on the
page's error page, saying the limit. Real uvicorn, real SQLite."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role


def test_a_form_body_over_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    copy_seeded(seeded, tmp_path)
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        fields = "&".join(f"f{i}={'a' * 800_000}" for i in range(3))  # each under 1 MB, 2.4 MB in all
        refused = client.post(
            "/login",
            content=f"username=nurse&password=x&{fields}",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": base},
        )
        assert refused.status_code == 413, refused.status_code
        said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", refused.text))
        assert "at most 1048576 bytes (1 MiB)" in said, said[-400:]
        # a form of the usual size is read as before: a wrong password is said as such
        usual = client.post(
            "/login",
            data={"username": "nurse", "password": "not the password"},
            headers={"Origin": base},
        )
        assert usual.status_code in (200, 401) and "1 MiB" not in usual.text, usual.status_code

"""A browser app of an allowed origin (``service.cors_origins``) reads what an error answer says to
do in its headers - a 415's ``Accept`` (the body's type taken) and ``Accept-Encoding`` (the coding
taken), a 405's ``Allow``, a 401's ``WWW-Authenticate`` - and the request's ``X-Request-ID``: a
browser hides every response header not CORS-safelisted unless ``Access-Control-Expose-Headers``
names it, and these were not named, so the app saw ``null`` where docs/service.md promises the
header. A compressed body's ``Content-Encoding`` is allowed by the preflight, so the app gets the
415 ``unsupported_content_encoding`` rather than a failed preflight. Real uvicorn, real SQLite."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from tests.service.test_api_cors import APP, PREFLIGHT
from triage.service import create_app
from triage.service.auth import Role


def _exposed(answer: httpx.Response) -> set[str]:
    assert answer.headers["access-control-allow-origin"] == APP, answer.headers
    return {h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")}


def test_an_error_answers_headers_are_exposed_to_an_allowed_origin(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    auth = {"Authorization": f"Bearer {tokens[Role.nurse]}", "Origin": APP}
    app = create_app(make_settings(tmp_path, cors_origins=[APP]))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client:
        compressed = {"Access-Control-Request-Headers": "authorization, content-type, content-encoding"}
        preflight = client.options("/api/v1/patients", headers=PREFLIGHT | compressed)
        assert preflight.status_code == 200, preflight.text
        not_json = client.post(
            "/api/v1/patients", content=b"mrn=1", headers=auth | {"Content-Type": "text/plain"}
        )
        gzipped = client.post(
            "/api/v1/patients",
            content=b"\x1f\x8b\x08\x00",
            headers=auth | {"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        wrong_method = client.delete("/api/v1/queue", headers=auth)
        no_token = client.get("/api/v1/queue", headers={"Origin": APP})
    assert not_json.status_code == 415 and not_json.headers["Accept"] == "application/json", not_json.text
    assert {"accept", "x-request-id"} <= _exposed(not_json), not_json.headers
    assert gzipped.status_code == 415 and gzipped.json()["code"] == "unsupported_content_encoding"
    assert gzipped.headers["Accept-Encoding"] == "identity"
    assert {"accept-encoding", "x-request-id"} <= _exposed(gzipped), gzipped.headers
    assert wrong_method.status_code == 405 and "allow" in _exposed(wrong_method), wrong_method.headers
    assert no_token.status_code == 401 and "www-authenticate" in _exposed(no_token), no_token.headers

"""CORS: a browser app of another origin in the clinic calls the API with a token only when the
clinic names its origin (``service.cors_origins``); off by default, never for the staff pages. On a
real uvicorn server, with the preflight a browser sends before a JSON POST."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from triage.errors import ConfigError
from triage.service import create_app
from triage.service.auth import Role
from triage.settings import load_settings

APP = "http://dashboard.clinic.test:3000"
PREFLIGHT = {
    "Origin": APP,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, if-match, idempotency-key",
}


def test_by_default_no_origin_is_allowed(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> None:
    copy_seeded(seeded, tmp_path)
    with live_server(create_app(make_settings(tmp_path))) as base:
        preflight = httpx.options(f"{base}/api/v1/assessments", headers=PREFLIGHT, timeout=HTTP_TIMEOUT_S)
        assert "access-control-allow-origin" not in preflight.headers, preflight.headers
        assert preflight.status_code == 405, preflight.text


def test_a_named_origin_may_call_the_api_with_a_token_and_read_its_paging_headers(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    auth = {"Authorization": f"Bearer {tokens[Role.nurse]}", "Origin": APP}
    app = create_app(make_settings(tmp_path, cors_origins=[APP]))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c:
        preflight = c.options("/api/v1/assessments", headers=PREFLIGHT)
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == APP
        assert "POST" in preflight.headers["access-control-allow-methods"]
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed and "idempotency-key" in allowed
        assert "if-match" in allowed
        assert "access-control-allow-credentials" not in preflight.headers  # tokens, never cookies

        made = c.post("/api/v1/assessments", json=WALK_IN, headers=auth)
        assert made.status_code == 201 and made.headers["access-control-allow-origin"] == APP, made.headers
        listed = c.get("/api/v1/queue", headers=auth)
        exposed = {h.strip().lower() for h in listed.headers["access-control-expose-headers"].split(",")}
        assert {"x-total-count", "link", "etag", "location"} <= exposed, exposed
        refused = c.get("/api/v1/queue", headers={"Origin": APP})  # an error answer carries it too
        assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == APP

        other = c.options("/api/v1/assessments", headers=PREFLIGHT | {"Origin": "http://elsewhere.test"})
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
        stranger = c.get("/api/v1/queue", headers=auth | {"Origin": "http://elsewhere.test"})
        assert "access-control-allow-origin" not in stranger.headers
        page = c.get("/login", headers={"Origin": APP})  # the staff pages stay same-origin
        assert "access-control-allow-origin" not in page.headers


def test_the_allowlist_comes_from_the_file_or_the_environment_and_a_bad_origin_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "triage.toml"
    config.write_text(f'[service]\ncors_origins = ["{APP}"]\n', encoding="utf-8")
    assert load_settings(config).service.cors_origins == [APP]
    monkeypatch.setenv("TRIAGE_SERVICE__CORS_ORIGINS", '["https://emr.clinic.test"]')
    assert load_settings(config).service.cors_origins == ["https://emr.clinic.test"]
    for bad in ("*", "https://emr.clinic.test/", "https://emr.clinic.test/app", "emr.clinic.test"):
        monkeypatch.setenv("TRIAGE_SERVICE__CORS_ORIGINS", f'["{bad}"]')
        with pytest.raises(ConfigError) as refused:
            load_settings(config)
        assert "cors_origins" in str(refused.value).lower() and "is not a web origin" in str(refused.value), (
            refused.value
        )

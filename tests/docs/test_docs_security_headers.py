"""docs/service.md's "Headers on every response" names every header the service's security
middleware puts on an answer, with the values it names, as a real answer has them: it left out
``Cross-Origin-Resource-Policy``, said every page took only its own styles where ``/docs`` takes
inline ones too, and ``no-store`` for the pages where the API's answers carry it as well. The
answers are the real app's (TestClient on a real SQLite file), not the middleware's table."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.conftest import make_settings
from triage.service import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "service.md"
#: what every answer carries that no security decision put there
NOT_SECURITY = {"content-length", "content-type", "x-request-id", "www-authenticate", "set-cookie"}


def _the_line() -> str:
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"^- Headers on every response:(.*?)(?=^- )", text, re.S | re.M)
    assert found, "docs/service.md has no 'Headers on every response' item"
    return " ".join(found[1].split())


def test_every_security_header_an_answer_carries_is_named_with_its_value(tmp_path: Path) -> None:
    said = _the_line()
    with TestClient(create_app(make_settings(tmp_path))) as client:
        page = client.get("/login")
        api = client.get("/api/v1/queue")  # a 401: an API answer all the same
        docs = client.get("/docs")
    for answer in (page, api):
        for name, value in answer.headers.items():
            if name in NOT_SECURITY:
                continue
            assert re.search(re.escape(name), said, re.I), (name, said)
            if name not in ("content-security-policy", "permissions-policy"):  # (long: named only)
                assert value in said, (name, value, said)
    assert api.headers["cache-control"] == "no-store" and "the API's too" in said, said
    assert "'unsafe-inline'" in docs.headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in said and "/docs" in said, said

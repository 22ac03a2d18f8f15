"""A JSON string holding a lone UTF-16 surrogate escape (``"\\ud800"``: half of a pair, no
character) is a 422 naming the field and saying so, nothing stored; it was refused in pydantic's
words, ``name: Input should be a valid string, unable to parse raw data as a unicode string``, and a
record number as having "a control or invisible character (U+D800)". A pair (``"\\ud83d\\ude00"``,
one character above U+FFFF) is read as before. Real uvicorn on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

SAID = "has a lone UTF-16 surrogate escape"


def test_a_lone_surrogate_is_named_and_said_and_a_pair_is_read(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    headers = {"Authorization": f"Bearer {tokens[Role.nurse]}", "Content-Type": "application/json"}
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, headers=headers, timeout=HTTP_TIMEOUT_S) as c,
    ):
        for path, raw, where, escape in (
            ("/api/v1/patients", rb'{"mrn": "S-1", "name": "Wang \ud800"}', "name", r"\ud800"),
            ("/api/v1/patients", rb'{"mrn": "S-\udc01"}', "mrn", r"\udc01"),
            (
                "/api/v1/assessments",
                rb'{"patient": {"mrn": "S-2"}, "observations": [{"code": "spo2", "value": "9\uDBFF"}]}',
                "observations[0].value",
                r"\udbff",
            ),
        ):
            answer = c.post(path, content=raw)
            assert answer.status_code == 422, answer.text
            assert answer.json()["fields"] == [where], answer.json()
            assert answer.json()["error"].startswith(f"{where}: {SAID} ({escape})"), answer.json()
        assert c.get("/api/v1/patients").json()["total"] == 0
        paired = c.post("/api/v1/patients", content=rb'{"mrn": "S-3", "name": "Wang \ud83d\ude00"}')
        assert paired.status_code == 201 and paired.json()["name"] == "Wang \U0001f600", paired.text

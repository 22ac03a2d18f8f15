"""A body declared in a charset other than UTF-8 (``Content-Type: application/json;
charset=latin-1``) was read as UTF-8 regardless: a latin-1 "é" (the byte 0xe9) was a 400 "not
UTF-8", and latin-1 text whose bytes are valid UTF-8 too ("Ã©", 0xc3 0xa9) was stored as another
name ("é") without a word. Now a 415 ``unsupported_charset`` naming ``header.Content-Type`` and
UTF-8, nothing stored; UTF-8, declared (any spelling) or not, is read as before. Real uvicorn on a
real SQLite file; every answer checked against /openapi.json."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import pytest
from sqlite_utils import Database

from tests.service.conftest import WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.auth import Role


def _walk_in(mrn: str, name: str) -> str:
    body = copy.deepcopy(WALK_IN)
    body["patient"] |= {"mrn": mrn, "name": name}  # type: ignore[operator]
    return json.dumps(body, ensure_ascii=False)


def _patients(folder: Path) -> dict[str, str]:
    db = Database(folder / "clinic.db")
    try:
        return {mrn: name for mrn, name in db.execute("SELECT mrn, name FROM patients")}
    finally:
        db.close()


@pytest.fixture
def served(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> object:
    tokens = copy_seeded(seeded, tmp_path)
    with live_server(create_app(make_settings(tmp_path))) as base, httpx.Client(base_url=base) as client:
        client.headers["Authorization"] = f"Bearer {tokens[Role.nurse]}"
        yield client, client.get("/openapi.json").json()


def test_a_latin_1_body_is_415_naming_the_charset_and_utf_8_and_nothing_is_stored(
    served: tuple[httpx.Client, dict[str, object]], tmp_path: Path
) -> None:
    client, document = served
    for charset, mrn, text in (
        ("latin-1", "LATIN-1", "René"),  # "é" is the byte 0xe9: no UTF-8
        ("ISO-8859-1", "LATIN-2", "RenÃ©"),  # 0xc3 0xa9: valid UTF-8 too, for another name
        ('"windows-1252"', "LATIN-3", "René"),
        ("no-such-charset", "LATIN-4", "Rene"),
    ):
        answer = client.post(
            "/api/v1/assessments",
            content=_walk_in(mrn, text).encode(charset.strip('"') if mrn != "LATIN-4" else "ascii"),
            headers={"Content-Type": f"application/json; charset={charset}"},
        )
        conforms(document, answer)  # type: ignore[arg-type]
        assert answer.status_code == 415, answer.text
        said = answer.json()
        assert said["code"] == "unsupported_charset" and said["fields"] == ["header.Content-Type"]
        assert said["error"].startswith(
            f"header.Content-Type: charset={charset.strip(chr(34))} is not supported"
        )
        assert "UTF-8" in said["error"]
    assert _patients(tmp_path) == {}


def test_a_utf_8_body_is_read_with_or_without_the_charset(
    served: tuple[httpx.Client, dict[str, object]], tmp_path: Path
) -> None:
    client, document = served
    for content_type, mrn in (
        ("application/json", "UTF-1"),
        ("application/json; charset=utf-8", "UTF-2"),
        ('application/json; Charset="UTF-8"', "UTF-3"),
        ("application/json;charset=utf8", "UTF-4"),
    ):
        answer = client.post(
            "/api/v1/assessments",
            content=_walk_in(mrn, "René 张").encode("utf-8"),
            headers={"Content-Type": content_type},
        )
        conforms(document, answer)  # type: ignore[arg-type]
        assert answer.status_code == 201, (content_type, answer.text)
    assert _patients(tmp_path) == {f"UTF-{n}": "René 张" for n in range(1, 5)}

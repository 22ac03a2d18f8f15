"""A body declared in a charset (``Content-Type: application/json; charset=ISO-8859-1``) was read
as UTF-8 regardless: a latin-1 "é" (the byte 0xe9) was a 400 "not UTF-8", and latin-1 text whose
bytes are valid UTF-8 too ("Ã©", 0xc3 0xa9) was stored as another name ("é") without a word. Now it
is decoded by the charset it declares; bytes the charset does not have are a 400 naming it, and a
charset that is not one of the web's (or not known) a 415 ``unsupported_charset`` naming
``header.Content-Type`` and UTF-8. UTF-8, declared (any spelling) or not, is read as before; a body
without a charset in UTF-16 is read as JSON's byte reader tells it, and its NUL refused as in
UTF-8: it slipped past that check, which looked for the six bytes ``\\u0000``, to a later one naming
``name`` instead of ``patient.name``. Real uvicorn on a
real SQLite file; every answer checked against /openapi.json. The module's tests share one service
(:func:`served`)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlite_utils import Database

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.auth import Role

Served = tuple[httpx.Client, dict[str, object]]


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


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of :func:`served`'s log."""
    return tmp_path_factory.mktemp("charset")


@pytest.fixture(scope="module")
def served(folder: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Served]:
    """The nurse's client and the service's /openapi.json, once for the module (each test started a
    service of its own: a copy of the seeded log, create_app, uvicorn, the document). The tests do
    not interfere: each says what it stored, or that it stored nothing, by the patients it finds
    before and after its own requests, whose record numbers are its own."""
    tokens = copy_seeded(seeded, folder)
    with (
        live_server(create_app(make_settings(folder))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        client.headers["Authorization"] = f"Bearer {tokens[Role.nurse]}"
        yield client, client.get("/openapi.json").json()


def _send(served: Served, body: bytes, content_type: str) -> httpx.Response:
    client, document = served
    answer = client.post("/api/v1/assessments", content=body, headers={"Content-Type": content_type})
    conforms(document, answer)  # type: ignore[arg-type]
    return answer


def test_a_body_is_read_in_the_charset_it_declares(served: Served, folder: Path) -> None:
    before = _patients(folder)
    sent = {
        "LATIN-1": ("latin-1", "René"),  # "é" is the byte 0xe9: no UTF-8
        "LATIN-2": ("ISO-8859-1", "RenÃ©"),  # 0xc3 0xa9: valid UTF-8 too, for another name
        "CP-1252": ('"windows-1252"', "René – Müller"),
        "GBK": ("GBK", "张伟"),
        "UTF-1": ("utf-8", "René 张"),
        "UTF-2": ("UTF8", "René 张"),
    }
    for mrn, (charset, name) in sent.items():
        answer = _send(
            served, _walk_in(mrn, name).encode(charset.strip('"')), f"application/json; charset={charset}"
        )
        assert answer.status_code == 201, (charset, answer.text)
    no_charset = _send(served, _walk_in("PLAIN", "René 张").encode("utf-8"), "application/json")
    assert no_charset.status_code == 201, no_charset.text
    assert _patients(folder) == before | {mrn: name for mrn, (_, name) in sent.items()} | {"PLAIN": "René 张"}


def test_a_charset_it_cannot_read_is_415_and_bytes_not_of_the_charset_400(
    served: Served, folder: Path
) -> None:
    before = _patients(folder)
    for charset in ("no-such-charset", "unicode_escape", "rot13", "utf-7"):
        answer = _send(
            served, _walk_in("REFUSED", "Rene").encode("ascii"), f"application/json; charset={charset}"
        )
        assert answer.status_code == 415, (charset, answer.text)
        said = answer.json()
        assert said["code"] == "unsupported_charset" and said["fields"] == ["header.Content-Type"]
        assert said["error"].startswith(
            f"header.Content-Type: charset={charset} is not supported; send the JSON encoded as UTF-8"
        )
    wrong = _send(served, _walk_in("WRONG", "René").encode("latin-1"), "application/json; charset=GBK")
    assert wrong.status_code == 400 and wrong.json()["code"] == "unreadable_body", wrong.text
    assert wrong.json()["error"].startswith("body: not GBK as its Content-Type says (byte 0xe9 at offset")
    not_utf8 = _send(served, _walk_in("WRONG", "René").encode("latin-1"), "application/json")
    assert not_utf8.status_code == 400 and not_utf8.json()["error"].startswith("body: not UTF-8 (byte 0xe9")
    # no charset, zero bytes of UTF-16, and a byte too many: it said "not UTF-8"
    odd = _send(served, '{"patient"'.encode("utf-16-le") + b"a", "application/json")
    assert odd.status_code == 400 and odd.json()["fields"] == ["body"], odd.text
    assert odd.json()["error"] == (
        "body: not UTF-16-LE, which its zero bytes suggest (byte 0x61 at offset 20); send it encoded as UTF-8"
    )
    assert _patients(folder) == before


def test_a_nul_in_a_utf_16_body_is_refused_as_in_utf_8(served: Served, folder: Path) -> None:
    before = _patients(folder)
    body = copy.deepcopy(WALK_IN)
    body["patient"] |= {"mrn": "UTF-16", "name": "Zo\u0000ë"}  # type: ignore[operator]
    for encoding in ("utf-16", "utf-16-le"):
        answer = _send(served, json.dumps(body).encode(encoding), "application/json")
        assert answer.status_code == 422, (encoding, answer.text)
        assert answer.json()["fields"] == ["patient.name"] and "NUL" in answer.json()["error"]
    assert _patients(folder) == before


def test_a_request_without_a_body_is_not_refused_for_its_content_type(served: Served) -> None:
    """A client that sends its default headers with every request (``Content-Type`` included) on a
    GET has no body to decode: it was a 415 for a charset it did not use."""
    client, document = served
    for charset in ("rot13", "no-such-charset"):
        answer = client.get(
            "/api/v1/patients", headers={"Content-Type": f"application/json; charset={charset}"}
        )
        conforms(document, answer)  # type: ignore[arg-type]
        assert answer.status_code == 200, answer.text

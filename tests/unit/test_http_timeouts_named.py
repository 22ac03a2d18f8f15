"""Every HTTP request a test makes with httpx names how long it waits for its answer
(``tests/service/conftest.py`` ``HTTP_TIMEOUT_S``, or a probe's own short one in a loop with a
deadline). httpx's default is 5 s: on CI's busy 2-core machine a fixture's first request to a
service that was only slow failed with ``ReadTimeout``, and about thirty tests relied on it."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

#: httpx's functions that send a request and its clients' constructors, which set one for them all
SENDS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
CLIENTS = {"Client", "AsyncClient"}


def without_timeout(source: str, name: str) -> list[str]:
    """``file:line httpx.X`` for each call of httpx's request functions or clients in ``source``
    that names no ``timeout``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        called = node.func
        if not (isinstance(called.value, ast.Name) and called.value.id == "httpx"):
            continue
        if called.attr in SENDS | CLIENTS and not any(k.arg == "timeout" for k in node.keywords):
            found.append((node.lineno, f"{name}:{node.lineno} httpx.{called.attr}"))
    return [hit for _, hit in sorted(found)]


def test_the_scan_finds_a_request_or_client_without_a_timeout() -> None:
    source = (
        "import httpx\n"
        "httpx.get(url)\n"
        "httpx.post(url, json={}, timeout=60)\n"
        "with httpx.Client(base_url=url) as c:\n"
        "    c.get('/x')\n"
        "httpx.AsyncClient(timeout=T)\n"
        "httpx.Timeout(5)\n"
    )
    assert without_timeout(source, "t.py") == ["t.py:2 httpx.get", "t.py:4 httpx.Client"]


def test_every_httpx_request_in_the_tests_names_its_timeout() -> None:
    found = [
        hit
        for path in sorted(TESTS.rglob("*.py"))
        for hit in without_timeout(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS.parent)))
    ]
    assert not found, (
        f"{len(found)} httpx calls wait httpx's default 5 s; give them timeout=HTTP_TIMEOUT_S: {found}"
    )

"""A client that polls (a dashboard on the queue, an EMR on the referrals) sends the ``ETag`` of its
last answer as ``If-None-Match`` and is answered ``304 Not Modified`` without a body while nothing
changed; on a real uvicorn server, as such a client meets it."""

from __future__ import annotations

import copy
from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, Staff, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role


def test_a_poll_of_an_unchanged_list_is_304_and_a_change_gives_a_new_tag(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    auth = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, headers=auth, timeout=HTTP_TIMEOUT_S) as c,
    ):
        walk_in = c.post("/api/v1/assessments", json=WALK_IN)
        assert walk_in.status_code == 201 and "ETag" not in walk_in.headers  # only GETs are tagged
        first = c.get("/api/v1/queue")
        assert first.status_code == 200
        tag = first.headers["ETag"]
        assert tag.startswith('"') and tag.endswith('"')

        again = c.get("/api/v1/queue", headers={"If-None-Match": tag})
        assert again.status_code == 304, again.text
        assert again.content == b""
        assert again.headers["ETag"] == tag and again.headers["X-Total-Count"] == "1"
        for named in (f'W/{tag}, "other"', f'"other", {tag}', "*"):
            assert c.get("/api/v1/queue", headers={"If-None-Match": named}).status_code == 304, named
        assert c.head("/api/v1/queue", headers={"If-None-Match": tag}).status_code == 304
        assert c.get("/api/v1/queue", headers={"If-None-Match": '"other"'}).status_code == 200
        assert c.get("/api/v1/queue?state=open", headers={"If-None-Match": tag}).status_code == 304
        assert c.get("/api/v1/queue?state=closed", headers={"If-None-Match": tag}).status_code == 200

        other = copy.deepcopy(WALK_IN)
        other["patient"]["mrn"] = "MRN-002"
        assert c.post("/api/v1/assessments", json=other).status_code == 201
        changed = c.get("/api/v1/queue", headers={"If-None-Match": tag})
        assert changed.status_code == 200 and len(changed.json()) == 2
        assert changed.headers["ETag"] != tag

        missing = c.get("/api/v1/patients/999", headers={"If-None-Match": "*"})
        assert missing.status_code == 404 and "ETag" not in missing.headers


def test_the_document_declares_the_tag_the_condition_and_the_304_on_every_api_get(staff: Staff) -> None:
    schema = staff.client.get("/openapi.json").json()
    gets = {
        path: ops["get"]
        for path, ops in schema["paths"].items()
        if path.startswith("/api/v1/") and "get" in ops
    }
    assert len(gets) > 10
    for path, operation in gets.items():
        assert "ETag" in operation["responses"]["200"]["headers"], path
        assert "304" in operation["responses"], path
        names = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert names == ["If-None-Match"], (path, names)
    assert "ETag" not in schema["paths"]["/api/v1/assessments"]["post"]["responses"]["201"].get("headers", {})
    assert schema == staff.client.get("/openapi.json").json(), "the document is the same when read again"

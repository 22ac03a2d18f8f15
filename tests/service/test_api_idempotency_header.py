"""A client whose POST timed out retries it with the ``Idempotency-Key`` header (IETF
draft-ietf-httpapi-idempotency-key-header) instead of the body's ``idempotency_key``: the same
stored record comes back and nothing is written twice. Without either, a walk-in retried joins the
visit already open and is assessed again with its readings twice - what a client that sends no key
gets, as the docs say. Real uvicorn, real accounts on a real SQLite file; every answer checked
against /openapi.json. The module's tests share one service (:func:`service`)."""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from tests.service.test_api_facility_put import FACILITY
from triage.service import create_app
from triage.service.api import idempotency
from triage.service.api.json_body import takes_idempotency_key
from triage.service.auth import Role

KEYED = ("/api/v1/assessments", "/api/v1/encounters", "/api/v1/encounters/{encounter_id}/assessments")


class Api:
    def __init__(self, client: httpx.Client, tokens: dict[Role, str]) -> None:
        self.client, self.tokens = client, tokens
        self.document = client.get("/openapi.json").json()

    def post(self, role: Role, path: str, body: object, *headers: tuple[str, str | bytes]) -> httpx.Response:
        auth = ("Authorization", f"Bearer {self.tokens[role]}")
        answer = self.client.post(path, json=body, headers=[auth, *headers])
        conforms(self.document, answer)
        return answer

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[Role.admin]}"})


@contextlib.contextmanager
def _api_on(folder: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Api]:
    """A live service on a copy of the seeded log in ``folder``, and its client."""
    tokens = copy_seeded(seeded, folder)
    with (
        live_server(create_app(make_settings(folder))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as c,
    ):
        yield Api(c, tokens)


@pytest.fixture
def api(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Api]:
    """A service of the test's own, its log in the test's ``tmp_path`` (which the modules that
    import this fixture read)."""
    with _api_on(tmp_path, seeded) as own:
        yield own


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Api]:
    """One live service for this module's tests: six started one each (:func:`api`: a copy of the
    seeded log, create_app, uvicorn, its OpenAPI document) and the refused keys another. They do not
    interfere: each writes under record numbers, keys and a facility of its own, and what one counts
    it counts from before its own requests (a change-feed cursor, the queue's total)."""
    with _api_on(tmp_path_factory.mktemp("keys"), seeded) as shared:
        yield shared


def _assessments_from_now(api: Api) -> str:
    """The assessments' change feed from this moment on: the path that lists those stored after it
    (a cursor and its hash, docs/service.md's "Change feeds"; cursor 0, no hash, while none is)."""
    feed = api.get("/api/v1/changes/assessments?after=0&limit=1000").json()
    since = f"/api/v1/changes/assessments?after={feed['cursor']}"
    return since + (f"&after_hash={feed['cursor_hash']}" if feed["cursor_hash"] else "")


def _walk_in(mrn: str) -> dict[str, object]:
    body = copy.deepcopy(WALK_IN)
    body["patient"]["mrn"] = mrn  # type: ignore[index]
    return body


def test_a_walk_in_retried_with_the_header_is_answered_the_stored_assessment(service: Api) -> None:
    body = _walk_in("HDR-1")
    first = service.post(Role.integrator, "/api/v1/assessments", body, ("Idempotency-Key", "8e03978e-40d5"))
    assert first.status_code == 201 and first.json()["visit_already_open"] is False, first.text
    # the draft's form (an RFC 8941 string) is the same key as the bare one most clients send
    again = service.post(Role.integrator, "/api/v1/assessments", body, ("Idempotency-Key", '"8e03978e-40d5"'))
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    visit = service.get(f"/api/v1/encounters/{first.json()['encounter_id']}").json()
    assert len(visit["observations"]) == 3  # not written twice
    # the body's key and the header's are one key: the header replays what the body stored
    keyed = _walk_in("HDR-2") | {"idempotency_key": "body-key-1"}
    stored = service.post(Role.nurse, "/api/v1/assessments", keyed)
    plain = {k: v for k, v in keyed.items() if k != "idempotency_key"}
    replayed = service.post(Role.nurse, "/api/v1/assessments", plain, ("Idempotency-Key", "body-key-1"))
    assert replayed.status_code == 201 and replayed.json()["id"] == stored.json()["id"], replayed.text
    both = service.post(Role.nurse, "/api/v1/assessments", keyed, ("Idempotency-Key", "body-key-1"))
    assert both.status_code == 201 and both.json()["id"] == stored.json()["id"], both.text
    # the key again with another body: 409, nothing written
    other = service.post(
        Role.integrator, "/api/v1/assessments", body | {"age_years": 71}, ("Idempotency-Key", "8e03978e-40d5")
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict", other.text


def test_a_walk_in_retried_without_any_key_joins_the_open_visit_with_its_readings_twice(service: Api) -> None:
    body = _walk_in("NOKEY-1")
    first = service.post(Role.integrator, "/api/v1/assessments", body)
    again = service.post(Role.integrator, "/api/v1/assessments", body)
    assert again.status_code == 201 and again.json()["visit_already_open"] is True, again.text
    assert again.json()["encounter_id"] == first.json()["encounter_id"]
    assert again.json()["id"] != first.json()["id"]  # a second assessment of the same visit
    visit = service.get(f"/api/v1/encounters/{first.json()['encounter_id']}").json()
    assert len(visit["observations"]) == 6


def test_every_creation_that_takes_a_body_key_takes_the_header_and_the_document_says_so(service: Api) -> None:
    since = _assessments_from_now(service)
    header = ("Idempotency-Key", '"enc-1"')
    service.post(Role.nurse, "/api/v1/patients", {"mrn": "HDR-ENC", "sex": "female"})
    opened = service.post(Role.nurse, "/api/v1/encounters", {"mrn": "HDR-ENC"}, header)
    assert opened.status_code == 201, opened.text
    encounter = opened.json()["id"]
    assert (
        service.post(Role.nurse, "/api/v1/encounters", {"mrn": "HDR-ENC"}, header).json()["id"] == encounter
    )
    path = f"/api/v1/encounters/{encounter}/assessments"
    made = service.post(Role.nurse, path, {}, ("Idempotency-Key", "assess-1"))
    assert made.status_code == 201, made.text
    again = service.post(Role.nurse, path, {}, ("Idempotency-Key", "assess-1"))
    assert again.json()["id"] == made.json()["id"]
    assert len(service.get(since).json()["data"]) == 1  # one assessment stored by the two posts
    referral = {
        "assessment_id": made.json()["id"],
        "to_facility": "county-hospital",
        "urgency": "routine",
        "reason": "r",
    }
    sent = service.post(Role.clinician, "/api/v1/referrals", referral, ("Idempotency-Key", "ref-1"))
    assert sent.status_code == 201, sent.text
    resent = service.post(Role.clinician, "/api/v1/referrals", referral, ("Idempotency-Key", "ref-1"))
    assert resent.status_code == 201 and resent.json()["id"] == sent.json()["id"], resent.text
    for template in (*KEYED, "/api/v1/referrals"):
        parameters = service.document["paths"][template]["post"].get("parameters", [])
        assert [p["in"] for p in parameters if p["name"] == "Idempotency-Key"] == ["header"], template


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ((("Idempotency-Key", "a"), ("Idempotency-Key", "b")), 'given 2 times ("a", "b"); send it once'),
        ((("Idempotency-Key", '""'),), "is empty; send a key of 1 to 200 characters"),
        ((("Idempotency-Key", ""),), "is empty; send a key of 1 to 200 characters"),
        # UTF-8 from the client: named as sent, not as the Latin-1 mojibake a header decodes to
        ((("Idempotency-Key", "ключ-1".encode()),), '"ключ-1" has characters outside printable ASCII'),
        ((("Idempotency-Key", "k" * 201),), "201 characters; a key has at most 200"),
        ((("Idempotency-Key", "two words"),), '"two words" is not a key: send it as a quoted string'),
        ((("Idempotency-Key", '"half'),), '"\\"half" is not a key'),
        ((("Idempotency-Key", "other"),), '"other" is not the body\'s idempotency_key "mine"; send the key'),
    ],
)
def test_a_header_key_that_cannot_be_taken_is_422_naming_the_header(
    service: Api, headers: tuple[tuple[str, str | bytes], ...], said: str
) -> None:
    queued, since = service.get("/api/v1/queue").headers["X-Total-Count"], _assessments_from_now(service)
    body = _walk_in("BAD-KEY") | {"idempotency_key": "mine"}
    refused = service.post(Role.integrator, "/api/v1/assessments", body, *headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"].startswith(f"header.Idempotency-Key: {said}"), refused.text
    assert refused.json()["fields"] == ["header.Idempotency-Key"]
    assert service.get("/api/v1/queue").headers["X-Total-Count"] == queued  # nothing written:
    assert service.get(since).json()["data"] == []  # no visit opened, none assessed again


def test_a_walk_in_key_used_again_for_another_patient_is_the_documented_idempotency_conflict(
    service: Api,
) -> None:
    # it was a 409 `conflict`: a client that acts on `idempotency_conflict` (a new key, not a retry)
    # took it for another conflict
    key = ("Idempotency-Key", "shared-1")
    assert service.post(Role.integrator, "/api/v1/assessments", _walk_in("ONE-1"), key).status_code == 201
    for other in (_walk_in("ONE-2"), _walk_in("ONE-2") | {"idempotency_key": "shared-1"}):
        refused = service.post(
            Role.integrator, "/api/v1/assessments", other, *([key] if "idempotency_key" not in other else [])
        )
        assert refused.status_code == 409 and refused.json()["code"] == "idempotency_conflict", refused.text
        assert refused.json()["error"].startswith('idempotency key "shared-1" was already used for another')


def test_a_key_sent_to_a_write_that_takes_none_is_422_not_ignored(service: Api) -> None:
    # a close sent with the header would be taken as protected by it, and is not
    made = service.post(Role.nurse, "/api/v1/assessments", _walk_in("UNKEYED-1"))
    path = f"/api/v1/encounters/{made.json()['encounter_id']}/close"
    close = {"reason": "went home", "without_referral": True}
    refused = service.post(Role.clinician, path, close, ("Idempotency-Key", "close-1"))
    assert refused.status_code == 422 and refused.json()["fields"] == ["header.Idempotency-Key"], refused.text
    assert refused.json()["error"] == (
        f"header.Idempotency-Key: POST {path} takes no idempotency key, so a retry of it would not be"
        f" recognised; the creations that take one: {idempotency.KEYED}"
    )
    visit = service.get(f"/api/v1/encounters/{made.json()['encounter_id']}").json()
    assert visit["encounter"]["closed_at"] is None  # not closed
    assert service.post(Role.clinician, path, close).status_code == 200


def test_the_refusal_lists_exactly_the_writes_that_take_a_key(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    taking = sorted(
        context.path.removeprefix("/api/v1")
        for context in iter_route_contexts(app.routes)
        if isinstance(context.route, APIRoute) and takes_idempotency_key(context.route.dependant)
    )
    assert taking == [
        "/assessments",
        "/assessments/{assessment_id}/overrides",
        "/encounters",
        "/encounters/{encounter_id}/assessments",
        "/encounters/{encounter_id}/observations",
        "/referrals",
    ]
    listed = re.findall(r"/api/v1(/[a-z/{}]+)", idempotency.KEYED)
    named = (p.replace("/assessments/{id}", "/assessments/{assessment_id}") for p in listed)
    assert sorted(p.replace("{id}", "{encounter_id}") for p in named) == taking


def test_an_idempotent_method_may_carry_the_key_a_client_sends_with_every_write(service: Api) -> None:
    # PUT and DELETE are idempotent (RFC 9110 9.2.2): repeating one does no harm, so the key a
    # client or gateway attaches to every write is not refused there, as it is on a POST
    auth = ("Authorization", f"Bearer {service.tokens[Role.admin]}")
    body = FACILITY | {"id": "f-key"}
    for _ in range(2):
        put = service.client.put(
            "/api/v1/facilities/f-key", json=body, headers=[auth, ("Idempotency-Key", "k-1")]
        )
        conforms(service.document, put)
        assert put.status_code in (200, 201), put.text

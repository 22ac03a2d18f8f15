"""An assessment's request fingerprint (``request_sha256``) is hashed in two parts - its key
fields, then the payload - instead of one text joined first (a 10 KB copy per walk-in): the hash
is the one earlier versions stored, so a request repeated with its idempotency key after an
upgrade is still recognised as the same request (real SQLite file, a payload in more than Latin-1)."""

from __future__ import annotations

import hashlib

from sqlite_utils import Database

from referral import audit, store

from .conftest import assessment_in, visit

PAYLOAD = '{"disposition":"urgent_referral","reasons":["SpO2 88 % ≤ 91 %","血氧饱和度低"]}'


def _as_before(fields_and_payload: tuple[str, str]) -> str:
    fields, payload = fields_and_payload
    return hashlib.sha256((fields + "\n" + payload).encode("utf-8")).hexdigest()


def test_the_fingerprint_is_the_hash_of_the_fields_then_the_payload_as_before(db: Database) -> None:
    assessment = assessment_in(payload=None, payload_json=PAYLOAD, idempotency_key="walk-in-1")
    fields = assessment.model_dump(mode="json", exclude={"idempotency_key", "payload", "payload_json"})
    expected = _as_before((audit.canonical_json(fields), PAYLOAD))

    assert store.assessment_digest(assessment, PAYLOAD) == expected

    first = visit(db, payload=None, payload_json=PAYLOAD, idempotency_key="walk-in-1")
    stored = db.execute(
        "SELECT request_sha256, payload FROM assessments WHERE id = ?", [first["id"]]
    ).fetchone()
    assert stored == (expected, PAYLOAD)
    # the same request again under its key: the stored assessment, not a conflict or a second row
    again = store.record_assessment(
        db, first["encounter_id"], assessment, actor="engine", reason="triage (repeated)"
    )
    assert again["id"] == first["id"]
    assert db.execute("SELECT count(*) FROM assessments").fetchone()[0] == 1

"""Access to the log replayed from its audit trail (:func:`referral.audit_rows.verify_rows`): the
staff's accounts, their API tokens, and the clinic's settings - the pseudonym secret among them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from referral.audit_replay import (
    Expected,
    Mismatch,
    PseudonymSecret,
    Revocation,
    Sha256,
    by_row,
    created_row,
    table_columns,
    trail_entries,
)
from referral.clinic import SECRET_KEY


def settings(db: Database, recorded: bool) -> Iterator[Expected]:
    """The pseudonym secret is never in the trail; the first patient's pseudonymous id (checked
    against the trail before this) is the HMAC it made, so a replaced secret shows. The other
    keys against their last ``setting.set``, when the log has been recording them."""
    wanted: list[Expected] = []
    if recorded:
        for key, entries in by_row(
            trail_entries(db, "entity = 'setting' AND action = 'setting.set'", "entity_id", few=True)
        ):
            last = entries[-1]
            wanted.append((key, {"value": Sha256(last["data"]["value_sha256"])}, int(last["seq"])))
    first = db.conn.execute("SELECT id, mrn, pseudo_id FROM patients ORDER BY id LIMIT 1").fetchone()
    if first is not None:
        patient_id, mrn, pseudo_id = first
        created = db.conn.execute(
            "SELECT seq FROM audit WHERE entity = 'patient' AND entity_id = ? AND action = 'patient.create'",
            [str(patient_id)],
        ).fetchone()
        secret = PseudonymSecret(int(patient_id), str(mrn), str(pseudo_id))
        wanted.append((SECRET_KEY, {"value": secret}, 0 if created is None else int(created[0])))
    yield from sorted(wanted, key=lambda want: str(want[0]))


def users(db: Database) -> Iterator[Expected]:
    columns = table_columns(db, "users")
    actions = "'user.create', 'user.disable', 'user.enable', 'user.recorded', 'user.password_change'"
    for row_id, entries in by_row(
        trail_entries(db, f"entity = 'user' AND action IN ({actions})", "entity_id", few=True)
    ):
        expected = created_row("users", row_id, entries, columns) | {"disabled": 0}
        for entry in entries:
            data = entry["data"]
            if "disabled" in data:
                expected["disabled"] = int(data["disabled"])
            if "password_hash_sha256" in data:
                expected["password_hash"] = Sha256(data["password_hash_sha256"])
        expected.pop("language", None)  # a display preference, changed without an entry
        yield row_id, expected, int(entries[-1]["seq"])


def tokens(db: Database) -> Iterator[Expected]:
    key = "json_extract(data, '$.token_sha256_prefix')"
    actions = "'token.create', 'token.revoke', 'token.recorded'"
    for prefix, entries in by_row(
        trail_entries(db, f"entity = 'user' AND action IN ({actions})", key, few=True)
    ):
        first = entries[0]
        if first["action"] != "token.create":
            raise Mismatch(
                "api_tokens",
                f"{prefix}...",
                f"its audit trail starts with {first['action']} (entry {first['seq']}), not its creation",
            )
        expected: dict[str, Any] = {
            "username": first["entity_id"],
            "label": first["data"]["label"],
            "revoked_at": Revocation(revoked=False),
        }
        for entry in entries:
            if entry["action"] == "token.revoke":
                expected["revoked_at"] = Revocation(revoked=True)
            if "token_digest_sha256" in entry["data"]:
                expected["token_sha256"] = Sha256(entry["data"]["token_digest_sha256"])
            if "expires_at" in entry["data"]:  # (recorded since 0025_api_token_expiry)
                expected["expires_at"] = entry["data"]["expires_at"]
        yield prefix, expected, int(entries[-1]["seq"])

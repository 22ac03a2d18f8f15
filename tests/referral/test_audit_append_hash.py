"""An audit entry's hash is written from its canonical JSON directly (``audit._row_hash``, the form
``verify`` reads the trail with), not by building the entry's dictionary again for
``audit.entry_hash``; and ``canonical_json`` encodes with one encoder made once, not a new
``JSONEncoder`` per call as ``json.dumps`` with options builds: every audited write (four a walk-in)
paid both. The hashes and texts are the same as before: the chain of a log written earlier, and
``verify``, are unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlite_utils import Database

from referral import audit
from referral.transactions import write

from .conftest import visit

#: Values whose canonical JSON has every kind of text in it: quotes, backslashes, controls, CJK,
#: an emoji, floats, nesting, a key order to sort, a value only ``default=str`` writes.
AWKWARD: dict[str, Any] = {
    "z": 'quote " back \\ slash',
    "a": [1, 2.5, -0.0, 1e16, None, True],
    "名字": "王芳 \u0001 \u2028 😀",
    "m": {"b": 1, "a": {"d": [], "c": {}}},
    "when": __import__("datetime").date(2026, 12, 6),
}


def _entries(db: Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM audit ORDER BY seq"))


def test_append_hashes_its_entry_without_building_it_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def rebuilt(entry: Any) -> str:
        raise AssertionError("audit.append hashed its entry through entry_hash")

    monkeypatch.setattr(audit, "entry_hash", rebuilt)
    visit(db)  # a patient, a visit and an assessment, each audited
    write(
        db,
        lambda d: audit.append(
            d,
            actor="nurse 1",
            action="note.add",
            entity="encounter",
            entity_id=7,
            reason='say "why"',
            data=AWKWARD,
        ),
    )
    monkeypatch.undo()
    entries = _entries(db)
    assert len(entries) >= 4
    for entry in entries:  # the same hash entry_hash gives, so every log's chain is unchanged
        assert entry["hash"] == audit.entry_hash(entry), entry["seq"]
    assert audit.verify(db).ok


def test_canonical_json_makes_no_encoder_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = json.dumps(AWKWARD, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    made = []
    plain_init = json.JSONEncoder.__init__

    def counted(self: json.JSONEncoder, *args: Any, **kwargs: Any) -> None:
        made.append(kwargs)
        plain_init(self, *args, **kwargs)

    monkeypatch.setattr(json.JSONEncoder, "__init__", counted)
    texts = [audit.canonical_json(AWKWARD) for _ in range(3)]
    assert made == []  # (json.dumps with these options made one each time)
    assert texts == [expected] * 3
    assert audit.canonical_json('a " b') == json.dumps('a " b', ensure_ascii=False)

"""The API's answer for a stored assessment (a walk-in's 201, ``GET /api/v1/assessments/{id}``) is
joined as bytes - its head, then the payload as stored - instead of one new text encoded whole:
the bytes are the ones the text gave, for a payload just bound into SQLite (which keeps its UTF-8
with it) and for one read back from the log (real SQLite file, a payload in more than Latin-1)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from triage.service.clinic import stored_assessment_json

PAYLOAD = '{"disposition": "urgent_referral", "reasons": ["SpO2 88 % ≤ 91 %", "血氧饱和度低"]}'


def _row(payload: str) -> dict[str, object]:
    return {
        "id": 7,
        "encounter_id": 3,
        "created_at": "2026-05-01T01:00:00Z",
        "created_by": "bench",
        "disposition": "urgent_referral",
        "news2": 5,
        "red_flags": '["spo2_below_92"]',
        "risks": '{"cvd10": 0.21}',
        "payload": payload,
    }


def _as_before(row: dict[str, object], extra: dict[str, object]) -> bytes:
    head = {k: row[k] for k in ("id", "encounter_id", "created_at", "created_by", "disposition", "news2")}
    head |= {"red_flags": json.loads(str(row["red_flags"])), "risks": json.loads(str(row["risks"]))} | extra
    text = json.dumps(head, ensure_ascii=False)
    return f'{text[:-1]}, "assessment": {row["payload"]}}}'.encode()


def test_the_answer_is_the_bytes_the_whole_text_gave(tmp_path: Path) -> None:
    extra = {"visit_already_open": False}
    conn = sqlite3.connect(tmp_path / "log.db")
    conn.execute("CREATE TABLE assessments (id INTEGER PRIMARY KEY, payload TEXT)")
    just_stored = "".join(PAYLOAD)  # a text of its own, bound now as a walk-in's payload is
    conn.execute("INSERT INTO assessments (id, payload) VALUES (7, ?)", [just_stored])
    read_back = conn.execute("SELECT payload FROM assessments WHERE id = 7").fetchone()[0]
    conn.close()

    for payload in (just_stored, read_back):
        row = _row(payload)
        answer = stored_assessment_json(row, extra)
        assert answer == _as_before(row, extra)
        decoded = json.loads(answer)
        assert decoded["assessment"]["reasons"] == ["SpO2 88 % ≤ 91 %", "血氧饱和度低"]
        assert decoded["visit_already_open"] is False

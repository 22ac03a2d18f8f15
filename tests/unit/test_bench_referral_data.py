"""`python -m bench referral` builds its million-row log with plain executemany inserts against the
real schema, so a schema change can break the benchmark without any test noticing: since migration
0022 (one open visit per patient and day, b1b7508e) its fill reused a patient within a day and
ended 'UNIQUE constraint failed: encounters.patient_id, encounters.day'. Here the same fill runs at
the benchmark's 1,000 encounters a day over a few days, in a real SQLite file; no durations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bench import referral as bench
from referral import queue
from referral.schema import connect
from tests.open_files import ON_LINUX, collector_off, open_under

DAYS = 4
PER_DAY = bench.ROWS // bench.DAYS  # the benchmark's own daily volume


def test_the_referral_bench_fills_the_current_schema_with_its_daily_volume(tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    bench.fill_million(path, rows=PER_DAY * DAYS, days=DAYS)
    db = connect(path)
    conn = db.conn
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'encounters_one_open_a_day'").fetchone()
    per_day = dict(conn.execute("SELECT day, count(*) FROM encounters GROUP BY day").fetchall())
    first = bench.FIRST_DAY
    assert per_day == {(first + timedelta(days=d)).isoformat(): PER_DAY for d in range(DAYS)}
    assert conn.execute("SELECT count(*) FROM encounters WHERE closed_at IS NOT NULL").fetchone() == (0,)
    twice = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM encounters GROUP BY patient_id, day HAVING count(*) > 1)"
    ).fetchone()
    assert twice == (0,)
    assert conn.execute("SELECT count(DISTINCT patient_id) FROM encounters").fetchone() == (
        min(PER_DAY * DAYS, bench.POOL),
    )
    assert conn.execute("SELECT count(*) FROM patients").fetchone() == (bench.PATIENTS,)
    assert conn.execute("SELECT count(*) FROM assessments").fetchone() == (PER_DAY * DAYS,)
    # what the benchmark times: a day's staff queue, every encounter of the day with its assessment
    rows = queue.staff_queue(db, first + timedelta(days=DAYS - 1), limit=PER_DAY + 1)
    assert len(rows) == PER_DAY and all(row["disposition"] in bench.DISPOSITIONS for row in rows)
    assert any(row["overridden"] for row in rows)
    db.close()


@pytest.mark.parametrize(("rows", "days"), [(1_001, 2), (bench.POOL * 2 + 2, 2), (0, 3)])
def test_sizes_the_fill_cannot_give_are_refused_before_writing(tmp_path: Path, rows: int, days: int) -> None:
    path = tmp_path / "bench.db"
    with pytest.raises(ValueError, match=r"^bench/referral.py fill_million: .* encounters over .* days"):
        bench.fill_million(path, rows=rows, days=days)
    assert not path.exists()


@ON_LINUX
@pytest.mark.filterwarnings("error::ResourceWarning")
def test_the_bench_steps_leave_no_file_of_their_logs_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step closed no connection it opened (fill_million, queue_latencies, referral_writes),
    or only when it got to its end (bare_inserts): the logs, their -wal and -shm stayed open files
    until a garbage collection, one more set a step. A few writes suffice here."""
    monkeypatch.setattr(bench, "WRITES", 20)
    path = tmp_path / "bench.db"
    with collector_off():
        bench.fill_million(path, rows=2 * 10, days=2)
        assert open_under(tmp_path) == [], "fill_million"
        assert len(bench.queue_latencies(path, 3, days=2)) == 3
        assert open_under(tmp_path) == [], "queue_latencies"
        assert bench.referral_writes(tmp_path, "NORMAL", 0) > 0
        assert open_under(tmp_path) == [], "referral_writes"
        assert bench.bare_inserts(tmp_path, 0) > 0
        assert open_under(tmp_path) == [], "bare_inserts"

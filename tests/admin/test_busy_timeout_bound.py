"""`database.busy_timeout_ms` has an upper bound: SQLite keeps a busy timeout in a C int, and
`PRAGMA busy_timeout = 2147483648` (a few zeros too many) silently became 0 - every writer that met
another's lock then failed at once with "database is locked" - while a stopping service would have
waited that long (`stop_grace_s`) for its requests. Up to 60000 (a minute) is taken; more is a
settings mistake naming the file and the key."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.admin.settings_said import refused, written
from triage.settings import load_settings


@pytest.mark.parametrize("value", [60_001, 2_147_483_648, 10**12])
def test_a_busy_timeout_sqlite_cannot_keep_or_no_one_would_wait_for_is_refused(
    tmp_path: Path, value: int
) -> None:
    config = written(tmp_path, f"[database]\nbusy_timeout_ms = {value}\n")
    said = refused(config)
    assert said == (
        f"settings file {config}: database.busy_timeout_ms: Input should be less than or equal to 60000"
    )


def test_a_minute_is_taken_and_sqlite_keeps_it(tmp_path: Path) -> None:
    config = written(tmp_path, "[database]\nbusy_timeout_ms = 60000\n")
    taken = load_settings(config).database.busy_timeout_ms
    conn = sqlite3.connect(":memory:")
    conn.execute(f"PRAGMA busy_timeout = {taken}")
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (60000,)
    conn.execute(f"PRAGMA busy_timeout = {2**31}")  # why the bound: beyond a C int it is 0
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (0,)
    conn.close()

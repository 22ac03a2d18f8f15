"""A restore never overwrites a log an earlier restore moved aside: it named the replaced log
`<name>.replaced-<UTC second>` and renamed over whatever had that name, so a second restore in the
same second - or after the clock was set back to a second already used - destroyed the earlier
replaced log, kept as evidence. Real logs and restores; the earlier ones are files under every
name a restore may pick in the next ten minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .test_cli import run
from .test_storage import _backed_up, _log


def test_a_restore_keeps_the_logs_earlier_restores_moved_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "clinic.db"
    _log(log)
    backup = _backed_up(capsys, log, tmp_path / "backup.db")
    now = datetime.now(UTC).replace(microsecond=0)
    earlier = {}
    for second in range(-1, 600):
        stamp = (now + timedelta(seconds=second)).strftime("%Y%m%dT%H%M%SZ")
        for suffix in ("", "-wal"):
            kept = tmp_path / f"clinic.db.replaced-{stamp}{suffix}"
            kept.write_text(f"an earlier restore's {stamp}{suffix}", encoding="utf-8")
            earlier[kept] = kept.read_bytes()
    code, out, err = run(capsys, "restore", "--from", str(backup), "--db", str(log))
    assert code == 0, err
    assert [path for path, said in earlier.items() if path.read_bytes() != said] == []
    [aside] = [p for p in tmp_path.glob("clinic.db.replaced-*") if p not in earlier]
    assert aside.name.endswith("Z-2"), aside.name
    assert f"the replaced log is kept as {aside}" in out, out
    assert run(capsys, "verify-audit", "--db", str(aside))[0] == 0  # the log it replaced, whole

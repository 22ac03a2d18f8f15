"""A first start on a full disk (``triage referrals migrate``, ``triage serve`` creating the log)
left a 0-byte clinic.db, which every later command then called "an empty file, not a referral
log" - as if --db were mistyped. Now it leaves nothing, and the next command says there is no log
yet. A real full disk: a small tmpfs (root only)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.referral.test_log_access import TRIAGE
from tests.service.test_full_disk_readiness import _fill, small_disk

__all__ = ["small_disk"]  # the fixture, used by name


def _triage(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRIAGE, *argv], capture_output=True, text=True, timeout=60)


def test_a_first_start_on_a_full_disk_leaves_no_empty_log(small_disk: Path) -> None:
    filler = _fill(small_disk)
    log = small_disk / "clinic.db"
    failed = _triage("referrals", "migrate", "--db", str(log))
    assert failed.returncode == 1
    assert f"the disk holding {log} is full" in failed.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
    after = _triage("referrals", "list", "--db", str(log))
    assert after.returncode == 1 and after.stderr.startswith(f"error: no referral log at {log}; "), (
        after.stderr
    )
    filler.unlink()
    assert _triage("referrals", "migrate", "--db", str(log)).returncode == 0
    assert log.stat().st_size > 0

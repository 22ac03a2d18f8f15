"""A backup onto a full disk said "referral log: the disk holding b.db.partial is full; nothing
of this request was stored" - as if the clinic's records had been refused. It now says it is the
backup that was not written and that the log is unchanged. A real full disk: a small tmpfs (root
only); the log itself is elsewhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.referral.test_log_access import TRIAGE
from tests.service.test_full_disk_readiness import _fill, small_disk

__all__ = ["small_disk"]  # the fixture, used by name


def test_a_backup_onto_a_full_disk_says_no_backup_was_written_and_the_log_is_unchanged(
    small_disk: Path, tmp_path: Path
) -> None:
    log = tmp_path / "clinic.db"
    assert subprocess.run([TRIAGE, "referrals", "migrate", "--db", str(log)], timeout=60).returncode == 0
    out = small_disk / "b.db"
    _fill(small_disk)
    failed = subprocess.run(
        [TRIAGE, "referrals", "backup", "--db", str(log), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1
    assert failed.stderr.startswith(
        f"error: backup: the disk holding {out}.partial is full; no backup was written (nothing is left"
        f" at {out}) and the referral log is unchanged - free space on that filesystem and retry (SQLite: "
    ), failed.stderr
    assert "nothing of this request" not in failed.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]

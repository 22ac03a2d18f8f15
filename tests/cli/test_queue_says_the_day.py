"""`triage referrals queue` with nothing to show says which day it looked at: it said "no encounters
on that day" - without --day, today by the clinic's clock, which an administrator checking the
queue from another time zone, or just after midnight, could not tell from the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.running import run


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--day", "2026-01-02"], "no encounters on 2026-01-02"),
        (["--day", "2026-01-02", "--state", "open"], "no open encounters on 2026-01-02"),
    ],
)
def test_an_empty_queue_names_its_day(tmp_path: Path, options: list[str], said: str) -> None:
    assert run(["referrals", "migrate"], tmp_path).returncode == 0
    result = run(["referrals", "queue", *options], tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, said + "\n", "")

"""`triage referrals facilities load` of a CSV with bad rows says them on its one error line, each
readable: the message listed them on lines of their own, which the CLI's error line (control
characters escaped, so no cell of the file can forge a line) printed as one line broken by a
literal `\\x0a` before each row. The real `triage` process, a real CSV and log."""

from __future__ import annotations

from pathlib import Path

from referral.facilities import MAX_REPORTED
from tests.cli.running import run

HEADER = "id,name,tier,region_code,lon,lat,beds,capacity,digital_triage_start\n"


def test_bad_rows_are_said_on_one_readable_line(tmp_path: Path) -> None:
    rows = "".join(f"B{n},Clinic,no-such-tier,330122,119.6,29.8,10,40,\n" for n in range(MAX_REPORTED + 2))
    (tmp_path / "f.csv").write_text(HEADER + rows, encoding="utf-8")
    loaded = run(["referrals", "facilities", "load", "f.csv", "--db", "clinic.db"], tmp_path)
    assert loaded.returncode == 2, loaded.stderr
    assert "\\x0a" not in loaded.stderr and loaded.stderr.count("\n") == 1, loaded.stderr
    wrong = 'tier: Input should be "primary", "secondary" or "tertiary" (got "no-such-tier")'
    assert loaded.stderr == (
        f"error: f.csv: {MAX_REPORTED + 2} invalid rows, nothing was loaded: line 2: {wrong}; line 3: {wrong};"
        + "".join(f" line {n}: {wrong};" for n in range(4, MAX_REPORTED + 2))
        + " ... and 2 more\n"
    ), loaded.stderr

"""The administrator's commands say a count with its noun in the right number - `backup of 1
referral`, `2 referrals`, `applied 1 migration` - not "1 referral(s)" (referral.plurals.counted,
as verify-audit says its tables). Real SQLite files, the real `triage` process."""

from __future__ import annotations

from pathlib import Path

from referral import facilities, referrals
from referral.migrations import MIGRATIONS
from referral.records import ReferralIn
from referral.schema import connect
from tests.cli.running import run
from tests.referral.conftest import log_before, visit


def _log_of(path: Path, count: int) -> Path:
    """A log with ``count`` referrals (one visit each)."""
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    for n in range(count):
        assessment = visit(db, mrn=f"MRN-{n}")
        referrals.create_referral(
            db,
            ReferralIn(
                assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90"
            ),
            actor="dr_li",
        )
    db.close()
    return path


def test_backup_restore_and_export_say_one_referral_and_two_referrals(tmp_path: Path) -> None:
    for count, said in ((1, "1 referral"), (2, "2 referrals")):
        folder = tmp_path / str(count)
        folder.mkdir()
        _log_of(folder / "clinic.db", count)
        backup = run(["referrals", "backup", "--db", "clinic.db", "--out", "copy.db"], folder)
        assert backup.returncode == 0, backup.stderr
        assert backup.stdout.startswith(f"copy.db: backup of {said}, "), backup.stdout
        export = run(
            ["referrals", "export", "--db", "clinic.db", "--format", "csv", "--out", "r.csv"], folder
        )
        assert export.returncode == 0 and export.stdout == f"r.csv: {said} as csv\n", export.stdout
        restore = run(["referrals", "restore", "--from", "copy.db", "--db", "clinic.db"], folder)
        assert restore.returncode == 0, restore.stderr
        assert f": restored from copy.db ({said}, audit chain intact, " in restore.stdout, restore.stdout
        assert "(s)" not in backup.stdout + export.stdout + restore.stdout


def test_migrate_says_one_migration(tmp_path: Path) -> None:
    newest = MIGRATIONS._migrations[-1].name
    log_before(tmp_path / "clinic.db", newest).close()
    said = run(["referrals", "migrate", "--db", "clinic.db"], tmp_path)
    assert said.returncode == 0, said.stderr
    assert said.stdout.startswith(
        f"clinic.db: applied 1 migration: {newest}; the log as it was is backed up"
    ), said.stdout


def test_facilities_load_says_one_invalid_row_and_two_invalid_rows(tmp_path: Path) -> None:
    header = "id,name,tier,region_code,lon,lat,beds,capacity,digital_triage_start\n"
    bad = "B{n},Clinic,no-such-tier,330122,119.6,29.8,10,40,\n"
    for count, said in ((1, "1 invalid row,"), (2, "2 invalid rows,")):
        csv = tmp_path / f"f{count}.csv"
        csv.write_text(header + "".join(bad.format(n=n) for n in range(count)), encoding="utf-8")
        loaded = run(["referrals", "facilities", "load", csv.name, "--db", "clinic.db"], tmp_path)
        assert loaded.returncode == 2, loaded.stderr
        assert f"{csv.name}: {said} nothing was loaded" in loaded.stderr, loaded.stderr

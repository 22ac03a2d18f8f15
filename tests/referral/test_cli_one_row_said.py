"""`triage referrals verify-audit` and `backup` said a log of one patient "1 entries verified; the
tables match it (1 patients, 0 encounters, ...)", `facilities load` "loaded 1 facilities": one of
a thing is said in the singular (as c8c56b6f did for the report), none and more in the plural."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral import store
from referral.records import PatientIn
from referral.schema import connect

from .test_cli import run


@pytest.fixture
def one_patient(tmp_path: Path) -> Path:
    """A log whose one audit entry registered its one patient."""
    path = tmp_path / "clinic.db"
    db = connect(path)
    store.upsert_patient(
        db,
        PatientIn(mrn="MRN-1", name="Test Patient", sex="female", birth_date="1960-02-03"),
        actor="nurse1",
        reason="registration",
    )
    db.close()
    return path


def test_verify_audit_says_one_entry_and_one_patient(
    one_patient: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "verify-audit", "--db", str(one_patient))
    assert code == 0, err
    assert out.startswith(
        "audit chain intact: 1 entry verified; the tables match it (1 patient, 0 encounters,"
    )
    assert " 0 facilities, " in out and " 0 referral_basis_changes)" in out


def test_backup_says_one_entry_and_one_patient(
    one_patient: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "backup.db"
    code, out, err = run(capsys, "backup", "--out", str(out_file), "--db", str(one_patient))
    assert code == 0, err
    assert "audit chain intact (1 entry), the tables match it (1 patient, 0 encounters," in out


def test_loading_one_facility_says_one_facility(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "facilities.csv"
    directory.write_text(
        "id,name,tier,region_code,lon,lat,beds,capacity,digital_triage_start,synthetic\n"
        "ZJ-C01,Synthetic Meadow Township Health Centre (fictional),primary,330122,119.6912,29.7935,20,80,,1\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "facilities", "load", str(directory), "--db", str(tmp_path / "clinic.db"))
    assert code == 0, err
    assert out.startswith(f"loaded 1 facility from {directory} (1 marked synthetic)"), out

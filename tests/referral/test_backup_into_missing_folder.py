"""`triage referrals backup --out` and `export --out` in a folder that does not exist are refused, as
`--db` is: they made the folder and wrote there, so a mistyped `/bakcup/...`, or a USB drive not
mounted (`/media/usb/backups/...` made on the box's own disk, beneath the empty mount point), got
the nightly backup or export where nobody looks, with exit 0 - and a drive mounted later hid it.
Real CLI and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli import run
from .test_storage import _log


def refused(out: Path, missing: Path) -> str:
    return (
        f"error: --out {out}: the folder {missing} does not exist (a mistyped path?); check it, or create"
        f" the folder first (mkdir -p {missing})\n"
    )


def test_a_backup_into_a_missing_folder_is_refused_and_makes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "clinic.db"
    _log(log)
    missing = tmp_path / "media" / "usb" / "backups"
    out = missing / "clinic.db"
    code, _, err = run(capsys, "backup", "--db", str(log), "--out", str(out))
    assert (code, err) == (2, refused(out, missing))
    assert not (tmp_path / "media").exists()
    (missing).mkdir(parents=True)
    assert run(capsys, "backup", "--db", str(log), "--out", str(out))[0] == 0  # once it is there


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "fhir", "analytics"])
def test_an_export_into_a_missing_folder_is_refused_and_makes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """It made the missing folders (``export --out /missing/dir/x.csv``) while ``--db`` refuses them;
    the analytics export's own folder is still made, in a folder that exists."""
    log = tmp_path / "clinic.db"
    _log(log)
    missing = tmp_path / "media" / "usb" / "exports"
    out = missing / f"referrals.{fmt}"
    code, stdout, err = run(capsys, "export", "--format", fmt, "--db", str(log), "--out", str(out))
    assert (code, stdout, err) == (2, "", refused(out, missing))
    assert not (tmp_path / "media").exists()
    missing.mkdir(parents=True)
    assert run(capsys, "export", "--format", fmt, "--db", str(log), "--out", str(out))[0] == 0
    assert out.exists()

"""`triage referrals backup` with no --out writes into the settings' `database.backup_dir`, named
with the log's name and the time (`clinic.backup.20261206T031500Z.db`), so the nightly timer line
needs no date arithmetic and the backups sit where the administrator keeps them; such a backup is
a manual one: the retention of the automatic ones never removes it. Without backup_dir, --out is
still needed, and the error says both ways."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.admin.test_backup_dir import _config
from tests.referral.test_audit_rows_upgrade import _log_0017
from tests.referral.test_upgrade_backup import _backups
from triage.cli import main


def test_backup_without_out_writes_into_backup_dir_named_by_the_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    config = _config(tmp_path, folder, kept=1)
    log = _log_0017(tmp_path / "log")
    assert main(["--config", str(config), "referrals", "backup", "--db", str(log), "--json"]) == 0
    written = Path(json.loads(capsys.readouterr().out)["path"])
    assert written.parent == folder and re.fullmatch(r"old\.backup\.[0-9]{8}T[0-9]{6}Z\.db", written.name), (
        written
    )
    assert main(["--config", str(config), "referrals", "verify-audit", "--db", str(written)]) == 0
    # two upgrades' automatic backups later (one kept), the manual one is still there
    for again in ("log1", "log2"):
        assert (
            main(["--config", str(config), "referrals", "migrate", "--db", str(_log_0017(tmp_path / again))])
            == 0
        )
    assert len(_backups(folder)) == 1 and written.exists()


def test_backup_without_out_or_backup_dir_says_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log_0017(tmp_path / "log")
    capsys.readouterr()
    assert main(["referrals", "backup", "--db", str(log)]) == 2
    assert capsys.readouterr().err == (
        "error: give --out FILE for the backup, or set database.backup_dir in the settings to write"
        " it there named by the time\n"
    )

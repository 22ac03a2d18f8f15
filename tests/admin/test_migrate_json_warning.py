"""`triage referrals migrate --json` says what its text says when the log it backed up does not
verify: a broken audit chain was a warning in the text line only, and a script reading the JSON
(`backup` the path) kept the faithful copy of a tampered log without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.referral.test_audit_rows_upgrade import _log_0017
from tests.referral.test_upgrade_backup import _backups
from tests.referral.test_upgrade_backup_followups import BREAK_THE_CHAIN
from triage.cli import main


def _migrate_json(log: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["referrals", "migrate", "--db", str(log), "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_migrate_json_warns_that_the_chain_of_the_log_it_backed_up_is_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log_0017(tmp_path / "log", *BREAK_THE_CHAIN)
    result = _migrate_json(log, capsys)
    [backup] = _backups(log.parent)
    assert result["backup"] == str(backup), result
    warning = result["warning"]
    assert isinstance(warning, str), result
    assert warning.startswith("its audit chain is broken at entry 2 ("), warning
    assert "run `triage referrals verify-audit` and keep both for an inquiry" in warning, warning
    # nothing pending now: no backup, nothing to warn about
    assert _migrate_json(log, capsys) | {"schema": None} == {
        "db": str(log),
        "created": False,
        "applied_now": [],
        "schema": None,
        "backup": None,
        "backups_removed": [],
        "backups_not_removed": [],
        "warning": None,
    }


def test_migrate_json_of_a_log_that_verifies_has_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log_0017(tmp_path / "log")
    result = _migrate_json(log, capsys)
    assert result["backup"] == str(_backups(log.parent)[0]) and result["warning"] is None, result

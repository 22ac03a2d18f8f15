"""`triage referrals migrate` that found no log says it created a new, empty one, where: run for an
upgrade without the service's settings (no TRIAGE_CONFIG under sudo, another working folder), it
made `var/clinic.db` in the administrator's folder and said only "applied 24 migration(s): ...",
which reads as the upgrade done; `verify-audit` then found that empty log intact. Real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from referral.migrations import MIGRATIONS
from triage.cli import main


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An administrator's folder, with none of the service's settings."""
    for variable in ("TRIAGE_CONFIG", "TRIAGE_DATABASE__PATH"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_new_log_is_said_new_with_where_it_is(elsewhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["referrals", "migrate"]) == 0
    out = capsys.readouterr().out
    newest = MIGRATIONS._migrations[-1].name
    assert out == (
        f"var/clinic.db: there was no referral log there; created a new, empty one"
        f" ({elsewhere / 'var' / 'clinic.db'}: a relative path is the working folder's), applied"
        f" {len(MIGRATIONS._migrations)} migrations (up to {newest}) - right for a new clinic; to upgrade"
        " the clinic's log instead, give --db, or the settings the service runs with (--config, $TRIAGE_CONFIG)\n"
    ), out
    assert main(["referrals", "migrate"]) == 0  # the second time: the log is there
    assert "schema up to date" in capsys.readouterr().out


def test_json_says_whether_it_created_the_log(elsewhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = elsewhere / "new.db"
    assert main(["referrals", "migrate", "--db", str(log), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] is True
    assert main(["referrals", "migrate", "--db", str(log), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] is False

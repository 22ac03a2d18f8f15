"""`triage referrals verify-audit` names the restores the trail records, as it names the schema
upgrades: the move to a new machine (a backup restored there) was in the trail as `log.restore`,
but the administrator's check of the trail said only "audit chain intact: 85 entries" - nothing
that the log in use is a backup put back, from which file, or that a log was replaced. And the
backup's path is recorded whole: a restore run with `--from ../bk/b.db` recorded `../bk/b.db`,
which a year later names no file (relative to a folder nobody knows). Real processes, real SQLite."""

from __future__ import annotations

import json
from pathlib import Path

from referral.facilities import DEMO_CSV
from tests.cli.running import run


def test_the_move_to_a_new_machine_is_named_by_verify_audit(tmp_path: Path) -> None:
    old_box, new_box, backups = tmp_path / "old", tmp_path / "new", tmp_path / "bk"
    for folder in (old_box, new_box, backups):
        folder.mkdir()
    loaded = run(["referrals", "facilities", "load", "--db", "clinic.db", str(DEMO_CSV)], old_box)
    assert loaded.returncode == 0, loaded.stderr
    backed_up = run(["referrals", "backup", "--db", "clinic.db", "--out", "../bk/b.db", "--json"], old_box)
    assert backed_up.returncode == 0, backed_up.stderr
    head = json.loads(backed_up.stdout)["audit"]["head"]

    restored = run(["referrals", "restore", "--from", "../bk/b.db", "--db", "clinic.db", "--json"], new_box)
    assert restored.returncode == 0, restored.stderr
    entry = json.loads(restored.stdout)["audit_entry"]

    said = run(["referrals", "verify-audit", "--db", "clinic.db"], new_box)
    assert said.returncode == 0, said.stderr
    line = next((x for x in said.stdout.splitlines() if x.startswith("restores recorded: ")), "")
    assert f"entry {entry} at " in line, said.stdout
    assert f"from {backups / 'b.db'} (its chain head {head['seq']}:{head['hash'][:12]}" in line, line
    assert "no log replaced" in line, line

    listed = run(["referrals", "verify-audit", "--db", "clinic.db", "--json"], new_box)
    assert listed.returncode == 0, listed.stderr
    [restore] = json.loads(listed.stdout)["restores"]
    assert restore["seq"] == entry and restore["actor"].startswith("cli")
    assert restore["from"] == str(backups / "b.db")
    assert restore["backup_head"] == f"{head['seq']}:{head['hash']}" and restore["replaced"] == []


def test_a_log_never_restored_names_none(tmp_path: Path) -> None:
    loaded = run(["referrals", "facilities", "load", "--db", "clinic.db", str(DEMO_CSV)], tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    said = run(["referrals", "verify-audit", "--db", "clinic.db", "--json"], tmp_path)
    assert said.returncode == 0, said.stderr
    assert json.loads(said.stdout)["restores"] == []
    text = run(["referrals", "verify-audit", "--db", "clinic.db"], tmp_path)
    assert "restores recorded" not in text.stdout

"""A restore is recorded in the restored log's own audit trail (``log.restore``): the backup it came
from with that backup's chain head, and where the log it replaced is kept. The trail went on from
the backup's last entry as if nothing had happened, so an inquiry reading the log could not tell
that what the replaced log held after the backup - referrals made since, their status changes - was
gone. Real CLI, real SQLite."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from referral import audit, facilities
from referral.schema import connect
from tests.referral.test_cli import run


def test_a_restore_is_in_the_restored_log_s_trail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "clinic.db"
    db = connect(log)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    db.close()
    copy = tmp_path / "b.db"
    code, out, err = run(capsys, "backup", "--db", str(log), "--out", str(copy), "--json")
    assert code == 0, err
    head = json.loads(out)["audit"]["head"]
    gc.collect()  # that command's connection, as if its process had ended
    db = connect(log)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="later", clinic="ZJ-C02")  # after the backup
    db.close()

    code, out, err = run(
        capsys, "restore", "--from", str(copy), "--db", str(log), "--json", "--replace-newer"
    )
    assert code == 0, err
    said = json.loads(out)
    db = connect(log)
    [entry] = [e for e in audit.entries_for(db, "log", "clinic.db") if e["action"] == "log.restore"]
    assert entry["seq"] == said["audit_entry"] == head["seq"] + 1
    assert entry["data"] == {
        "from": str(copy),
        "backup_head": f"{head['seq']}:{head['hash']}",
        "replaced": said["moved_aside"],
    }
    assert entry["actor"].startswith("cli")
    db.close()
    code, out, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 0 and f"{head['seq'] + 1} entries verified" in out, err

"""A restore that finds no log where it writes says so, with where that is: on a new machine
`triage referrals restore --from /media/usb/clinic.db` run in the administrator's folder without the
service's settings (no TRIAGE_CONFIG under sudo) restored into `var/clinic.db` of that folder and
said only `var/clinic.db: restored from ...`, which read as the clinic's log restored - the service,
whose settings name another path, then started on an empty log. Now it says no log was there, the
whole path, and how to restore where the service looks (as `migrate` says of a log it creates).
Real processes, real SQLite."""

from __future__ import annotations

import json
from pathlib import Path

from referral.facilities import DEMO_CSV
from tests.cli.running import run


def test_a_restore_where_no_log_was_says_so_and_where(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    loaded = run(["referrals", "facilities", "load", "--db", str(old), str(DEMO_CSV)], tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert run(["referrals", "backup", "--db", str(old), "--out", "b.db"], tmp_path).returncode == 0

    said = run(["referrals", "restore", "--from", "b.db"], tmp_path)
    assert said.returncode == 0, said.stderr
    assert said.stdout.startswith(
        f"var/clinic.db: there was no referral log there; restored from b.db into a new one"
        f" ({tmp_path / 'var' / 'clinic.db'}: a relative path is the working folder's) (0 referrals,"
    ), said.stdout
    assert said.stdout.endswith(
        " - the service finds it only if its settings' database.path names it; to restore the log the"
        " service uses, give --db, or the settings it runs with (--config, $TRIAGE_CONFIG)\n"
    ), said.stdout

    again = run(["referrals", "restore", "--from", "b.db", "--db", "new.db", "--json"], tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout)["created"] is True, again.stderr
    over = run(
        ["referrals", "restore", "--from", "b.db", "--db", "new.db", "--json", "--replace-newer"], tmp_path
    )
    assert over.returncode == 0 and json.loads(over.stdout)["created"] is False, over.stderr
    text = run(["referrals", "restore", "--from", "b.db", "--db", "new.db", "--replace-newer"], tmp_path)
    assert text.returncode == 0 and "there was no referral log there" not in text.stdout, text.stdout

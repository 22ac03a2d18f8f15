"""A backup whose file name has a character that means something in an SQLite URI - `#` (a
fragment), `%` (an escape), `?` (the query) - is restored like any other: `restore` opened
`file:{name}?mode=ro` unquoted, so `clinic #2.db` opened `clinic ` (created empty, read-write,
left behind) and was refused 'not a usable backup (no such table: referrals)', and `100%41.db`
'cannot open it'. Real backups taken and restored with the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli import run
from .test_storage import _backed_up, _log


@pytest.mark.parametrize("name", ["clinic backup #2.db", "clinic 100%41.db", "clinic?.db"])
def test_a_backup_named_with_uri_characters_is_restored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    log = tmp_path / "clinic.db"
    _log(log)
    folder = tmp_path / "backups"
    folder.mkdir()
    backup = folder / name
    _backed_up(capsys, log, backup)
    code, out, err = run(capsys, "restore", "--db", str(log), "--from", str(backup))
    assert code == 0, err
    assert out.startswith(f"{log}: restored from {backup} (1 referral, audit chain intact"), out
    assert sorted(p.name for p in folder.iterdir()) == [name]  # nothing else made beside it

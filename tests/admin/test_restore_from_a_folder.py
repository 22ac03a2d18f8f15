"""`triage referrals restore --from /media/usb` - the backups' folder, not a file in it - said
`error: --from /media/usb: no backup file there`, as if the drive were empty; now it says it is a
folder, names the backups in it the command would take, and nothing is changed. Real processes."""

from __future__ import annotations

from pathlib import Path

from tests.cli.running import run


def test_a_folder_given_as_the_backup_is_said_a_folder_with_its_backups(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    made = run(["referrals", "migrate", "--db", "clinic.db"], tmp_path)
    assert made.returncode == 0, made.stderr
    for name in ("clinic-2026-12-01.db", "clinic-2026-12-05.db"):
        assert (
            run(["referrals", "backup", "--db", "clinic.db", "--out", f"usb/{name}"], tmp_path).returncode
            == 0
        )
    (usb / "notes.txt").write_text("not a backup\n", encoding="utf-8")

    said = run(["referrals", "restore", "--from", "usb", "--db", "clinic.db"], tmp_path)
    assert said.returncode == 2, said.stdout
    assert said.stderr == (
        "error: --from usb is a folder; give the backup file in it: usb/clinic-2026-12-05.db,"
        " usb/clinic-2026-12-01.db (the newest first); nothing was changed\n"
    ), said.stderr
    assert not list(tmp_path.glob("clinic.db.replaced-*"))
    empty = tmp_path / "empty"
    empty.mkdir()
    none = run(["referrals", "restore", "--from", "empty", "--db", "clinic.db"], tmp_path)
    assert (
        none.stderr
        == "error: --from empty is a folder, with no .db file in it; give the backup file; nothing was changed\n"
    )

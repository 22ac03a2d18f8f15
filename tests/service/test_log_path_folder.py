"""`database.path` naming a folder (`path = "/var/lib/clinic-triage"`, the file's name left out) left
`triage serve` up but not ready, trying to open it again every 30 s for ever, though no retry can
open a folder; the CLI's `--db` refused a folder at once. It is a settings mistake now: exit 2 before
the service starts, one line naming the setting and the path; and a log path that became a folder
while the service was down is not ready without retries."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral.errors import ConfigError
from triage import cli
from triage.service.database import Databases, LogUnavailable


def test_serve_refuses_a_folder_for_the_log_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    config = tmp_path / "clinic.toml"
    config.write_text(f'[database]\npath = "{folder}"\n', encoding="utf-8")
    # an address nothing can listen on: without the check, serve stops there instead of serving
    assert cli.main(["--config", str(config), "serve", "--host", "999.1.1.1"]) == 2
    assert capsys.readouterr().err == (
        f"error: database.path {folder} is a folder; give the referral log's file, e.g. {folder / 'clinic.db'}\n"
    )
    assert list(folder.iterdir()) == []


def test_a_folder_is_not_a_log_the_service_tries_again(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        Databases(tmp_path, busy_timeout_ms=100).migrate()
    assert not isinstance(info.value, LogUnavailable)  # wiring.start_clinic retries only those
    assert str(info.value).startswith(f"database.path {tmp_path} is a folder;")

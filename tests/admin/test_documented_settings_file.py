"""The typical settings file docs/service.md shows the administrator loads: every key in it is a
setting in its table, and its values are valid - with its folders made here (a typo there, or a key
moved to another table, would be copied onto clinic PCs and stop the service)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from triage.settings import load_settings

DOCS = Path(__file__).parents[2] / "docs" / "service.md"


def _typical_file() -> str:
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"A typical\s+`/etc/clinic-triage/clinic.toml`:\s+```toml\n(.*?)```", text, re.S)
    assert found is not None, "docs/service.md has no typical settings file"
    return found[1]


def test_the_typical_settings_file_loads(tmp_path: Path) -> None:
    shown = _typical_file()
    # its absolute folders and files, under tmp_path; the policy file as the built-in one would be
    moved = re.sub(r'"/((?:var|etc)/[^"]*)"', lambda m: f'"{tmp_path / m[1]}"', shown)
    for value in re.findall(r'= "(/[^"]*)"', moved):
        path = Path(value)
        if path.suffix == ".toml":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text('version = "clinic-0421-v3"\n', encoding="utf-8")
        elif path.suffix != ".db":
            path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "clinic.toml"
    config.write_text(moved, encoding="utf-8")
    settings = load_settings(config)
    assert settings.clinic_id == "clinic-0421"
    assert settings.database.backup_dir == tmp_path / "var/backups/clinic-triage", tomllib.loads(moved)

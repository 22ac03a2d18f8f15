"""`triage referrals users add` without --language: the account gets the clinic's
``service.default_language``, as ``POST /api/v1/users`` without one does (74557ad7). It gave every
account English whatever the setting said, so a Chinese clinic's administrator added from the
machine saw English pages. Real processes, a real SQLite log, the setting from the environment and
from a settings file; --help says where the default comes from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.admin.made_once import here
from tests.cli.running import run

PASSWORD = "a-long-passphrase-7"


def _add(folder: Path, name: str, *words: str, **env: str) -> dict[str, object]:
    added = run(
        f"printf '%s\\n' '{PASSWORD}' | triage referrals users add {name} --role nurse"
        f" --password-stdin --db clinic.db --json {' '.join(words)}",
        folder,
        **env,
    )
    assert added.returncode == 0, added.stderr
    said: dict[str, object] = json.loads(added.stdout)
    return said


@pytest.fixture
def log(tmp_path: Path) -> Path:
    here(["referrals", "migrate", "--db", str(tmp_path / "clinic.db")])
    return tmp_path


def test_an_account_added_without_language_gets_the_clinics(log: Path) -> None:
    assert _add(log, "nurse-default")["language"] == "zh"  # the setting's own default
    english = _add(log, "nurse-en", TRIAGE_SERVICE__DEFAULT_LANGUAGE="en")
    assert english["language"] == "en"
    (log / "clinic.toml").write_text('[service]\ndefault_language = "en"\n')
    from_file = _add(log, "nurse-file", TRIAGE_CONFIG="clinic.toml")
    assert from_file["language"] == "en"
    named = _add(log, "nurse-zh", "--language zh", TRIAGE_SERVICE__DEFAULT_LANGUAGE="en")
    assert named["language"] == "zh"  # --language still wins
    listed = run(["referrals", "users", "list", "--db", "clinic.db", "--json"], log)
    assert {u["username"]: u["language"] for u in json.loads(listed.stdout)} == {
        "nurse-default": "zh",
        "nurse-en": "en",
        "nurse-file": "en",
        "nurse-zh": "zh",
    }


def test_its_help_says_where_the_default_comes_from(tmp_path: Path) -> None:
    helped = run(["referrals", "users", "add", "--help"], tmp_path, COLUMNS="200")
    assert helped.returncode == 0, helped.stderr
    assert "service.default_language" in helped.stdout, helped.stdout

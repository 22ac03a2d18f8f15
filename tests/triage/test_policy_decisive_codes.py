"""``[decisive] codes = []`` was taken: no reading could then conclude local care, and every patient
no rule escalated was ``insufficient_data`` with the note 'no decisive reading; measure at least one
of: ' - naming nothing to measure. Refused in one line naming the file, the line and the key, with
the built-in codes. A real TOML file read by the real loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.errors import ConfigError
from triage.policy import load_policy


def test_an_empty_list_of_decisive_codes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('version = "c"\n[decisive]\ncodes = []\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert str(info.value) == (
        f"policy file {path}: line 3: decisive.codes: empty: no reading could ever conclude local care, so"
        " every patient no rule escalates would be insufficient_data; give at least one observation code"
        " (built-in: sbp, dbp, spo2, heart_rate, resp_rate, temperature, consciousness, glucose_fasting,"
        " glucose_random, hba1c)"
    )


def test_a_shorter_list_is_the_clinics(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('version = "c"\n[decisive]\ncodes = ["sbp", "dbp"]\n', encoding="utf-8")
    assert load_policy(path).decisive.codes == ("sbp", "dbp")

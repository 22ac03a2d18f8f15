"""An empty ``clinic_id`` (`clinic_id = ""`, or `TRIAGE_CLINIC_ID=` left blank in a unit file) started
the service, which recorded every visit with no facility and said so only in its `ready:` line
(`clinic "" (not in the facility directory ...)`). It is now a settings mistake, found before
anything starts: exit 2, one line naming the setting and what to give."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral.errors import ConfigError
from triage import cli
from triage.settings import load_settings

SAID = (
    "clinic_id: empty: give this clinic's facility id, as in the facility directory"
    ' (`triage referrals facilities list`), e.g. "clinic-0421"'
)


@pytest.mark.parametrize("value", ['""', '"   "'])
def test_an_empty_clinic_id_in_the_file_stops_serve_with_exit_2(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text(
        f'clinic_id = {value}\n[database]\npath = "{tmp_path / "clinic.db"}"\n', encoding="utf-8"
    )
    # an address nothing can listen on: without the check, serve stops there instead of serving
    assert cli.main(["--config", str(config), "serve", "--host", "999.1.1.1"]) == 2
    assert capsys.readouterr().err == f"error: settings file {config}: {SAID}\n"
    assert not (tmp_path / "clinic.db").exists()


def test_an_empty_clinic_id_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_CLINIC_ID", "")
    with pytest.raises(ConfigError) as info:
        load_settings(None)
    assert str(info.value) == f'environment variable TRIAGE_CLINIC_ID="": {SAID.removeprefix("clinic_id: ")}'


def test_a_clinic_id_is_kept_as_given() -> None:
    assert load_settings(None, clinic_id="clinic-0421").clinic_id == "clinic-0421"

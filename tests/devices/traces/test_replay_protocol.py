"""`triage devices replay` takes the capture's protocol from the profile it is given: the profile
says it already, and asking for it again only made an integrator's first command fail."""

from __future__ import annotations

import json

import pytest

from tests.devices.traces.golden_io import DATA
from triage.cli import main

XN550 = str(DATA / "sysmex-xn550.astm")


def test_a_bundled_profile_names_the_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "replay", XN550, "--profile", "sysmex-xn550"]) == 0
    out, err = capsys.readouterr()
    assert {json.loads(line)["code"] for line in out.splitlines()} == {
        "wbc",
        "hemoglobin",
        "hematocrit",
        "platelets",
    }
    assert "profile sysmex-xn550: 1 message, 41 results: 4 observations" in err


def test_a_protocol_given_must_still_be_the_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "replay", XN550, "--profile", "sysmex-xn550", "-p", "hl7"]) == 2
    assert 'error: profile "sysmex-xn550" is for protocol "astm", not "hl7"' in capsys.readouterr().err


def test_without_a_profile_the_protocol_is_asked_for_naming_both_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["devices", "replay", XN550]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --protocol is needed without --profile: astm, hl7, line, poct1a or ble (a --profile "
        "names its own, e.g. --profile sysmex-xn550)"
    )

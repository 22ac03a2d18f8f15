"""A device profile written from scratch, with the typos an integrator makes: each is one line
naming the file, the table and the key, the key meant and the keys the table has."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.cli import main

TRACE = Path(__file__).resolve().parents[1] / "traces" / "data" / "abbott-afinion2.astm"


def _replay_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> str:
    profile = tmp_path / "analyzer.toml"
    profile.write_text('device_id = "acme-qc200"\nprotocol = "astm"\n' + text)
    assert main(["devices", "replay", str(TRACE), "-p", "astm", "--profile", str(profile)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err
    prefix = f"error: --profile {profile}: invalid device profile: "
    assert err.startswith(prefix), err
    return err[len(prefix) :].rstrip("\n")


def test_a_misspelt_key_names_the_key_meant_and_the_keys_of_its_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said 'serial.baudrate: Extra inputs are not permitted (got 9600)': nothing about baud."""
    assert _replay_error(tmp_path, capsys, "[serial]\nbaudrate = 9600\n") == (
        "serial.baudrate: unknown key (did you mean baud?); known: port, baud, bytesize, parity, "
        "stopbits, xonxoff, rtscts"
    )
    tolerence = _replay_error(tmp_path, capsys, "[tolerence]\nmissing_lf_after_checksum = true\n")
    assert tolerence.startswith("tolerence: unknown key (did you mean tolerance?); known: device_id, ")
    both = _replay_error(
        tmp_path,
        capsys,
        '[tolerance]\nlowercase_checksums = true\n[mapping."HbA1c"]\ncode = "hba1c"\nunits = "%"\n',
    )
    assert both.startswith(
        "tolerance.lowercase_checksums: unknown key (did you mean lowercase_checksum?); known: "
    )
    assert both.endswith(
        "; mapping.HbA1c.units: unknown key (did you mean unit?); known: code, unit, device_units, scale, answers"
    )
    assert _replay_error(tmp_path, capsys, "[serial]\nflow = 1\n") == (
        "serial.flow: unknown key; known: port, baud, bytesize, parity, stopbits, xonxoff, rtscts"
    )


def test_a_device_id_with_a_space_says_what_it_may_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said "String should match pattern '^[A-Za-z0-9_.-]{1,64}$'"."""
    profile = tmp_path / "analyzer.toml"
    profile.write_text('device_id = "QuickChem 200"\nprotocol = "astm"\n')
    assert main(["devices", "replay", str(TRACE), "-p", "astm", "--profile", str(profile)]) == 2
    assert capsys.readouterr().err == (
        f"error: --profile {profile}: invalid device profile: device_id: must be 1 to 64 letters, "
        "digits, '.', '_' or '-' (it names the device in logs and storage) (got \"QuickChem 200\")\n"
    )

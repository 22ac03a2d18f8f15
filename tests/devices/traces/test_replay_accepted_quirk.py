"""`triage devices replay` of a capture whose ASTM frames carry their checksum in lowercase hex,
through the real CLI: the summary said ``tolerance switches fired: lowercase_checksum x3``, and an
integrator looked in the profile for a switch that is not there - the gateway reads the quirk by
default (``devices.tolerance.ACCEPTED_QUIRKS``). The summary now says it as the wire log does,
apart from the switches that fired; ``--json`` keeps ``tolerance`` and says the two apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from devices.codecs.astm_frame import ENQ, EOT, build_frame
from devices.simulated_results import astm_records, sample_from_values

TRIAGE = str(Path(sys.executable).with_name("triage"))
SAMPLE = sample_from_values("astm-analyzer", "SIM-P1", "SIM-S1", {"glucose_random": 13.2, "hba1c": 9.1})


def _lowercase(frame: bytes) -> bytes:
    """``frame`` with its checksum (the two bytes before CR LF) in lowercase hex."""
    return frame[:-4] + frame[-4:-2].lower() + frame[-2:]


def _capture(tmp_path: Path) -> tuple[Path, int]:
    """One ASTM session whose checksums are written in lowercase hex: the file and how many of
    its frames' checksums have a letter (the quirk's count)."""
    frames = [build_frame(n + 1, record + b"\r", True) for n, record in enumerate(astm_records(SAMPLE))]
    lowered = [_lowercase(frame) for frame in frames]
    quirky = sum(low != frame for low, frame in zip(lowered, frames, strict=True))
    assert quirky >= 2, "the test needs checksums with a letter in them"
    path = tmp_path / "lowercase.astm"
    path.write_bytes(ENQ + b"".join(lowered) + EOT)
    return path, quirky


def _replay(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRIAGE, "devices", "replay", str(path), "-p", "astm", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_summary_says_a_lowercase_checksum_was_accepted_not_that_a_switch_fired(tmp_path: Path) -> None:
    path, quirky = _capture(tmp_path)
    run = _replay(path)
    summary = next(line for line in run.stderr.splitlines() if ": profile generic-astm: " in line)
    assert summary.endswith(
        "; tolerance switches fired: none; accepted: ASTM checksum in lowercase hex "
        f"{quirky} times (read by default, no switch needed; counted as lowercase_checksum)"
    ), summary
    assert "lowercase_checksum x" not in summary, summary


def test_json_keeps_tolerance_and_says_switches_and_accepted_quirks_apart(tmp_path: Path) -> None:
    path, quirky = _capture(tmp_path)
    run = _replay(path, "--json")
    document = json.loads(run.stdout)
    assert document["tolerance"] == {"lowercase_checksum": quirky}  # as before, for scripts reading it
    assert document["tolerance_switches_fired"] == {}
    assert document["accepted_quirks"] == {"lowercase_checksum": quirky}

"""`triage devices replay --json` carries the reasons its text output gives.

The text output says after its summary why the results of an ASTM message that did not end
complete are held (its L record's termination code T, R or E, or no L record), and what
``--received-at`` would do with results the device sent without a time; ``--json`` printed only
the counts (``"not_final": 4``), so a script reading it could not tell that the L record was the
reason, nor which code it sent, nor that the untimed readings were waiting for a receipt time.
The real Sysmex XN-550 capture with its L record changed and the Nonin sample, replayed by the
real CLI process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devices.codecs.astm_frame import checksum
from tests.devices.traces.golden_io import DATA
from tests.devices.traces.test_replay_incomplete_message import SAYS, _terminated


def _replay_json(path: Path, *args: str) -> tuple[dict[str, object], str]:
    triage = str(Path(sys.executable).with_name("triage"))
    done = subprocess.run(
        [triage, "devices", "replay", str(path), *args, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout), done.stderr


@pytest.mark.parametrize("code", ["T", "R", "E"])
def test_json_says_which_termination_code_made_the_results_not_final(code: str, tmp_path: Path) -> None:
    document, stderr = _replay_json(_terminated(code, tmp_path), "--profile", "sysmex-xn550")
    assert document["not_final_messages"] == [
        {"byte_offset": 408, "termination_code": code, "why": SAYS[code], "results": 4}
    ]
    assert f"byte 408: not final: {SAYS[code]}: 4 results" in stderr  # the same as the text says


def test_json_says_a_message_without_its_l_record(tmp_path: Path) -> None:
    capture = (DATA / "sysmex-xn550.astm").read_bytes()
    at = capture.index(b"L|1|N\r\x03")
    frame = capture[:at] + b"\x03"  # the L record left out, the frame's checksum made right again
    path = tmp_path / "no-L.astm"
    path.write_bytes(frame + checksum(frame[1:]) + b"\r\n\x04")  # then EOT, as such a device ends
    document, stderr = _replay_json(path, "--profile", "sysmex-xn550")
    why = (
        "the message ended without its L record (terminator): a transfer cut off, or a device that sends none"
    )
    assert document["not_final_messages"] == [
        {"byte_offset": 408, "termination_code": None, "why": why, "results": 4}
    ]
    assert f"byte 408: not final: {why}: 4 results" in stderr


def test_json_says_what_received_at_would_do_with_untimed_readings() -> None:
    document, stderr = _replay_json(DATA / "nonin-oximeter.txt", "--profile", "nonin-oximeter")
    untimed = document["untimed"]
    assert isinstance(untimed, dict)
    assert untimed["results"] == 10
    assert untimed["hint"].startswith("results without a device time are held for review; give --received-at")
    assert f"nonin-oximeter.txt: {untimed['hint']}" in stderr  # word for word the text's line


def test_json_untimed_is_null_once_received_at_is_given() -> None:
    document, stderr = _replay_json(
        DATA / "nonin-oximeter.txt",
        "--profile",
        "nonin-oximeter",
        "--received-at",
        "2024-11-25T10:00:00+08:00",
    )
    assert document["untimed"] is None
    assert document["not_final_messages"] == []
    assert "without a device time" not in stderr


def test_a_message_whose_results_are_all_for_review_still_says_why_they_are_not_final(tmp_path: Path) -> None:
    # the real c311 capture (seven site-configured test numbers, none mapped: all for review) with
    # L|1|T: its results are held not_final too, and neither output said why
    capture = (DATA / "roche-cobas_c311.astm").read_bytes()
    at = capture.index(b"L|1|N\r\x03")
    frame = capture[:at] + b"L|1|T\r\x03"
    path = tmp_path / "c311-L-T.astm"
    path.write_bytes(frame + checksum(frame[1:]) + b"\r\n")
    document, stderr = _replay_json(path, "--profile", "roche-cobas_c311")
    assert document["not_final_messages"] == [
        {"byte_offset": 296, "termination_code": "T", "why": SAYS["T"], "results": 7}
    ]
    assert f"c311-L-T.astm: byte 296: not final: {SAYS['T']}: 7 results of the message held" in stderr

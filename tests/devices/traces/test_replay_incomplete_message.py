"""`triage devices replay` says why the results of an aborted ASTM message are not for triage.

A message whose L record ends it with termination code T (sender aborted), R (receiver requested
abort) or E (unknown system error) may be partial: its results are stored preliminary and held,
whatever status the device gave them. Replay counted them only as "4 not_final", and the hold said
"termination code T, E or R" whatever the code was, so an integrator could not tell the L record
was the reason, nor which code it sent. The real Sysmex XN-550 capture (tests/devices/traces/data,
a copy of ../shared/device-traces) with its L record changed, replayed by the real CLI process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devices.codecs.astm_frame import checksum
from tests.devices.traces.golden_io import DATA

SAYS = {
    "T": "the sender aborted the message (L record termination code T)",
    "R": "the receiver requested that the message be aborted (L record termination code R)",
    "E": "an unknown system error ended the message (L record termination code E)",
}


def _terminated(code: str, folder: Path) -> Path:
    """The XN-550 capture (one frame) with ``L|1|<code>``, its frame checksum made right again."""
    capture = (DATA / "sysmex-xn550.astm").read_bytes()
    end = b"L|1|N\r\x03"
    at = capture.index(end)
    frame = capture[:at] + f"L|1|{code}\r".encode() + b"\x03"
    assert frame[:1] == b"\x02"  # one frame: its checksum runs from the frame number to ETX
    path = folder / f"sysmex-xn550-L-{code}.astm"
    path.write_bytes(frame + checksum(frame[1:]) + capture[at + len(end) + 2 :])
    return path


def _replay(path: Path) -> subprocess.CompletedProcess[str]:
    triage = str(Path(sys.executable).with_name("triage"))
    return subprocess.run(
        [triage, "devices", "replay", str(path), "--profile", "sysmex-xn550"],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("code", ["T", "R", "E"])
def test_replay_names_the_termination_code_that_made_the_results_not_final(code: str, tmp_path: Path) -> None:
    done = _replay(_terminated(code, tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # no observation: all four mapped results are held
    assert "0 observations, 0 for review, 41 not for triage (37 ignored, 4 not_final)" in done.stderr
    assert (
        f"sysmex-xn550-L-{code}.astm: byte 408: not final: {SAYS[code]}: 4 results of the message held"
        " (not_final), not observations: the gateway stores them preliminary, whatever status the"
        " device gave them, and holds them; sent again in a complete message, they replace these"
    ) in done.stderr, done.stderr


def test_a_complete_message_says_nothing_of_its_termination(tmp_path: Path) -> None:
    done = _replay(_terminated("N", tmp_path))
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 4
    assert "not final" not in done.stderr and "termination code" not in done.stderr

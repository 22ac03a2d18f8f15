"""`triage devices listen` over loopback TCP, an ASTM analyzer that writes its frame checksums in
lowercase hex: the per-device counts at the end said ``tolerance switches fired:
lowercase_checksum=2`` while the wire log of the same session says the quirk was accepted with no
switch needed - and an integrator looked in the profile for a switch that is not there. The counts
now say it as the wire log does, apart from the switches of the profile that fired."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

from devices.codecs.astm_frame import ACK, ENQ, EOT, build_frame
from devices.simulated_results import astm_records, sample_from_values
from tests.devices.transports.test_listen_not_accepted import _connect, start_listen
from tests.ports import free_port

PROFILE = """device_id = "analyzer"
protocol = "astm"

[tcp]
mode = "listen"
port = {port}

[tolerance]
decimal_comma = true
"""
SAMPLE = sample_from_values("astm-analyzer", "SIM-P1", "SIM-S1", {"glucose_random": 13.2, "hba1c": 9.1})


def _frames() -> tuple[list[bytes], int]:
    """The sample's frames with every checksum in lowercase hex, and how many had a letter; the
    glucose result's value written with a decimal comma, so that a switch of the profile fires too."""
    records = [r.replace(b"13.2", b"13,2") for r in astm_records(SAMPLE)]
    assert any(b"13,2" in r for r in records)
    frames = [build_frame(n + 1, record + b"\r", True) for n, record in enumerate(records)]
    lowered = [f[:-4] + f[-4:-2].lower() + f[-2:] for f in frames]
    quirky = sum(low != f for low, f in zip(lowered, frames, strict=True))
    assert quirky >= 2, "the test needs checksums with a letter in them"
    return lowered, quirky


def _expect_ack(conn: socket.socket) -> None:
    assert conn.recv(1) == ACK


def test_the_counts_say_a_lowercase_checksum_was_accepted_apart_from_the_switches_that_fired(
    tmp_path: Path,
) -> None:
    port = free_port()
    profile = tmp_path / "analyzer.toml"
    profile.write_text(PROFILE.format(port=port))
    frames, quirky = _frames()
    wire = tmp_path / "wire"
    listen = start_listen(tmp_path, profile, "--wire-log", str(wire))
    try:
        with _connect(port, listen) as conn:
            conn.sendall(ENQ)
            _expect_ack(conn)
            for frame in frames:
                conn.sendall(frame)
                _expect_ack(conn)  # read, not NAKed: no switch is needed for it
            conn.sendall(EOT)  # the last frame's ACK came once the message was stored
    finally:
        listen.send_signal(signal.SIGTERM)
        _, err = listen.communicate(timeout=30)
    assert listen.returncode == 0, err.decode()
    (summary,) = [line for line in err.decode().splitlines() if line.startswith("analyzer: 1 message;")]
    assert summary.endswith(
        "; tolerance switches fired: decimal_comma=1; accepted: ASTM checksum in lowercase hex "
        f"{quirky} times (read by default, no switch needed; counted as lowercase_checksum)"
    ), summary
    assert "lowercase_checksum=" not in summary, summary
    # the same words as the session's wire log
    (log_file,) = (wire / "analyzer").glob("*.wire.log")
    text = log_file.read_text()
    assert (
        text.count("-- accepted: ASTM checksum in lowercase hex (read by default, no switch needed;")
        == quirky
    )
    assert text.count("-- tolerance switch fired: decimal_comma") == 1

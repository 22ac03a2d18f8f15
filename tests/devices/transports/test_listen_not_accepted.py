"""`triage devices listen` over loopback TCP, as an integrator first runs it: a result the gateway
would feed to triage but triage refuses (a value that is no number, both pressures of a swapped
pair) is shown held with the engine's reason and counted held - as the
service holds it for review and `triage devices replay` puts it up for review - never as "auto"
and "for triage"."""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.ports import free_port

PROFILE = """device_id = "ward-monitor"
protocol = "hl7"
timezone = "Asia/Shanghai"

[tcp]
mode = "listen"
port = {port}

[mapping."SPO2"]
code = "spo2"
unit = "%"

[mapping."HR"]
code = "heart_rate"
unit = "/min"

[mapping."SBP"]
code = "sbp"
unit = "mm[Hg]"

[mapping."DBP"]
code = "dbp"
unit = "mm[Hg]"
"""


def _connect(port: int, listen: subprocess.Popen[bytes]) -> socket.socket:
    for _ in range(300):  # the listener imports and binds first
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except ConnectionRefusedError:
            assert listen.poll() is None, listen.communicate()[1].decode()
            time.sleep(0.1)
    raise AssertionError("listen never accepted a connection")


def start_listen(tmp_path: Path, profile: Path, *listen_args: str) -> subprocess.Popen[bytes]:
    """A real ``triage devices listen`` process on ``profile``, its database and settings in
    ``tmp_path``, stdout and stderr piped."""
    settings = tmp_path / "settings.toml"
    settings.write_text(f'data_dir = "{tmp_path}"\n')
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("triage")),
            *("devices", "listen", "--profile", str(profile), "--db", str(tmp_path / "clinic.db")),
            *listen_args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TRIAGE_CONFIG": str(settings)},
        cwd=tmp_path,
    )


def _ack(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\x1c\r"):
        chunk = conn.recv(4096)
        assert chunk, "connection closed before the ACK"
        data += chunk
    return data


def _printed_lines(listen: subprocess.Popen[bytes], lines: int, timeout_s: float = 30) -> bytes:
    """What ``listen`` printed on stdout once it is ``lines`` lines (one a result it handed on),
    its end, or ``timeout_s``: the gateway hands results on after the commit and the ACK, so the
    ACK comes before the line. Read from the descriptor itself, so ``communicate`` later finds the
    rest in order."""
    assert listen.stdout is not None
    fd, printed = listen.stdout.fileno(), b""
    deadline = time.monotonic() + timeout_s
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while printed.count(b"\n") < lines:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break  # the assertions on what was printed say what is missing
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            printed += chunk
    return printed


def _listen_to_one_message(
    tmp_path: Path,
    *listen_args: str,
    corrected_spo2: str | None = None,
    now: str = "",
    printed: int | None = None,
) -> tuple[str, str]:
    """Run ``triage devices listen`` on the monitor's profile, send it one message (an SpO2 that is
    no number, a heart rate, a swapped pair of pressures, a respiratory rate the profile does not
    map) - and with ``corrected_spo2`` a second one, the device's correction (OBX-11 C) of the
    SpO2 -, stop it with SIGTERM once it printed ``printed`` result lines (by default the 5 results
    and the correction: all new): its stdout and stderr."""
    port = free_port()
    profile = tmp_path / "monitor.toml"
    profile.write_text(PROFILE.format(port=port))
    now = now or datetime.now(timezone(timedelta(hours=8))).strftime("%Y%m%d%H%M%S")
    segments = [
        f"MSH|^~\\&|VM5|WARD|||{now}||ORU^R01|CTL-1|P|2.5",
        "PID|1||PT-1",
        "OBR|1|S-1",
        f"OBX|1|NM|SPO2||9x7|%|||||F|||{now}",
        f"OBX|2|NM|HR||72|/min|||||F|||{now}",
        f"OBX|3|NM|SBP||80|mm[Hg]|||||F|||{now}",
        f"OBX|4|NM|DBP||140|mm[Hg]|||||F|||{now}",
        f"OBX|5|NM|RR||16|/min|||||F|||{now}",
    ]
    messages = [b"\x0b" + ("\r".join(segments) + "\r").encode() + b"\x1c\r"]
    if corrected_spo2 is not None:
        correction = [segments[0].replace("CTL-1", "CTL-2"), *segments[1:3]]
        correction.append(f"OBX|1|NM|SPO2||{corrected_spo2}|%|||||C|||{now}")
        messages.append(b"\x0b" + ("\r".join(correction) + "\r").encode() + b"\x1c\r")
    listen = start_listen(tmp_path, profile, *listen_args)
    head = b""
    try:
        with _connect(port, listen) as conn:
            for number, message in enumerate(messages, 1):
                conn.sendall(message)
                assert f"MSA|AA|CTL-{number}".encode() in _ack(conn)  # stored, so acknowledged
        head = _printed_lines(listen, (5 if corrected_spo2 is None else 6) if printed is None else printed)
    finally:
        listen.send_signal(signal.SIGTERM)
        out, err = listen.communicate(timeout=30)
    assert listen.returncode == 0, err.decode()
    return (head + out).decode(), err.decode()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, str]:
    """listen on a new log sent the one message, stopped: its folder and log, the message's
    time, what it printed and said. The first test reads it; the last runs listen again on its log."""
    folder = tmp_path_factory.mktemp("first-run")
    now = datetime.now(timezone(timedelta(hours=8))).strftime("%Y%m%d%H%M%S")
    return (folder, now, *_listen_to_one_message(folder, now=now))


def test_results_triage_refuses_are_shown_and_counted_held_with_the_engines_reason(
    first_run: tuple[Path, str, str, str],
) -> None:
    """listen printed `spo2 = 9x7 %  [final; auto]` and counted it "for triage", while the
    service holds such a result for review and replay lists it as invalid."""
    _, _, out, err = first_run
    lines = out.splitlines()
    shown = {line.split("  ")[3]: line.split("  [", 1)[1] for line in lines}
    assert shown["heart_rate = 72 /min"] == "final; auto]"
    assert shown["spo2 = 9x7 %"].startswith(
        'final; held: not accepted by triage: spo2: value "9x7" is not a number'
    )
    assert shown["sbp = 80 mm[Hg]"].startswith("final; held: not accepted by triage: ")
    assert "were they swapped?" in shown["dbp = 140 mm[Hg]"]
    assert "5 new results stored (1 for triage, 4 held: 3 not accepted by triage, 1 code not mapped)" in err


def test_listen_json_says_why_a_result_is_held_as_a_code(tmp_path: Path) -> None:
    """--json gave ``hold_reason`` only, an English sentence a script had to match; ``hold_kind``
    is the gateway's code (``devices.hold``), or ``not_accepted`` when triage refuses the value."""
    out, _ = _listen_to_one_message(tmp_path, "--json")
    rows = {row["vendor_code"]: row for row in map(json.loads, out.splitlines())}
    kinds = {code: (row["auto_feed"], row["hold_kind"]) for code, row in rows.items()}
    assert kinds == {
        "HR": (True, None),
        "SPO2": (False, "not_accepted"),
        "SBP": (False, "not_accepted"),
        "DBP": (False, "not_accepted"),
        "RR": (False, "unmapped"),
    }
    assert rows["RR"]["hold_reason"] == 'device test code "RR" is not mapped to the vocabulary'


def test_a_refused_result_the_device_corrects_to_a_value_triage_takes_is_no_longer_counted_held(
    tmp_path: Path,
) -> None:
    """The SpO2 "9x7" triage refused, then the device's correction to 97, which it takes: listen
    still counted it "not accepted by triage" among the held, of a result it had handed to triage."""
    out, err = _listen_to_one_message(tmp_path, corrected_spo2="97")
    assert "spo2 = 97 %  [corrected; auto]" in out, out
    assert "5 new results stored (2 for triage, 3 held: 2 not accepted by triage, 1 code not mapped); " in err
    assert "1 stored result replaced by a final or corrected version or withdrawn; " in err, err


def test_a_refused_correction_of_a_result_stored_before_this_run_is_not_counted_among_its_new_results(
    first_run: tuple[Path, str, str, str],
) -> None:
    """listen run again on the same log: the device's correction (to an SpO2 of 1000, refused) of
    a result the first run stored was counted held among this run's new results, which it is not:
    '0 new results stored (-1 for triage, 1 held: 1 not accepted by triage)'. The first run is the
    first test's (the same message on a new log)."""
    folder, now, _, _ = first_run
    # the message again is stored already (nothing printed); the correction is the one line
    out, err = _listen_to_one_message(folder, corrected_spo2="1000", now=now, printed=1)
    assert "spo2 = 1000 %  [corrected; held: not accepted by triage: " in out, out
    assert "0 new results stored (0 for triage, 0 held); 1 stored result replaced" in err, err

"""Messages/s of `triage devices listen --json` handing over an earlier run's stored results at start.

``MESSAGES`` copies of the real Sysmex XN-550 capture (its sample id varied, so each is new) are
decoded by the gateway's own decoder and stored undelivered in a real SQLite log
(``referral.inbox.record_message``), as a gateway whose subscriber failed leaves them; a real
``triage devices listen --json`` process on that log hands them over at start, one JSON line a
result. We time from its first result line to its last: wall time (messages/s) and the listen
process's CPU time (``/proc/PID/stat``, messages per CPU second - steadier on a shared machine).
Each result's line carries its message's ``no_result`` count, read from the stored message once per
message (docs/devices.md, Performance). Run: ``python -m bench devices_handover``.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devices.capture import read_capture
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.tolerance import ToleranceCounter
from devices.transports.link import TcpListenSpec
from referral.inbox import NewDeviceMessage, record_message
from referral.schema import connect

MESSAGES = 500
ROOT = Path(__file__).resolve().parents[1]
TRACE = ROOT / "tests/devices/traces/data/sysmex-xn550.astm"
SAMPLE = b"^^                    27^M"  # O.3 of the capture: its sample id, varied per copy
RECEIVED = "2024-06-27T05:54:30.000000+00:00"


def _store(db_path: Path) -> int:
    """The copies stored undelivered; how many results they hold."""
    logging.getLogger("devices.tolerance").setLevel(logging.ERROR)  # the capture's switch, once
    profile = load_profile("sysmex-xn550")
    (message,) = list(read_capture(profile, TRACE.read_bytes(), ToleranceCounter()))
    endpoint = endpoint_from_profile(profile, clock=MonotonicClock(), transport=TcpListenSpec())
    db = connect(db_path)
    results = 0
    for index in range(MESSAGES):
        raw = message.raw.replace(SAMPLE, f"^^BENCH-{index:05d}^M".encode())
        decoded = endpoint.decode(raw, RECEIVED)
        stored = NewDeviceMessage(
            device_id=profile.device_id,
            session_id="bench",
            protocol="astm",
            raw=raw,
            parsed=decoded.parsed,
            received_at=RECEIVED,
        )
        results += len(record_message(db, stored, decoded.results, decoded.quarantine).new_results)
    db.close()
    return results


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-handover-") as folder:
        db_path = Path(folder) / "clinic.db"
        results = _store(db_path)
        where = ["--tcp-listen", "127.0.0.1:0", "--db", str(db_path)]
        listen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "triage",
                "devices",
                "listen",
                "--json",
                "--profile",
                "sysmex-xn550",
                *where,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        assert listen.stdout is not None
        seen, first, cpu_first, last, cpu_last = 0, 0.0, 0.0, 0.0, 0.0
        try:
            for line in listen.stdout:
                if b'"kind": "result"' not in line:
                    continue
                seen += 1
                if seen == 1:  # /proc read at the first and the last line only: a slow reader
                    first, cpu_first = time.perf_counter(), _cpu_s(listen.pid)  # would pace listen
                if seen == results:
                    last, cpu_last = time.perf_counter(), _cpu_s(listen.pid)
                    break
        finally:
            listen.send_signal(signal.SIGINT)
            listen.wait(30)
    if seen != results:
        raise SystemExit(f"listen printed {seen} of {results} results")
    wall, cpu = last - first, cpu_last - cpu_first
    print(f"devices_handover: {MESSAGES} messages, {results} results handed over by listen --json at start")
    print(f"  wall {wall:.3f} s: {MESSAGES / wall:.0f} messages/s, {results / wall:.0f} results/s")
    if cpu > 0:
        print(f"  listen CPU {cpu:.2f} s: {MESSAGES / cpu:.0f} messages per CPU second")


if __name__ == "__main__":
    main()

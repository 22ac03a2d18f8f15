"""Clinic service under load: `triage serve` in a subprocess, a real HTTP load generator on loopback.

Measures, in one run:

1. cold start: process start -> ``/readyz`` 200 (all risk models loaded, gateway listening);
2. sustained walk-in assessments at the target rate for ``BENCH_SERVICE_SECONDS`` (default 60) with
   every database write included (patient, encounter, observations, assessment, audit -
   synchronous=FULL): Debian's ``wrk`` sends unique walk-ins from ``BENCH_SERVICE_CLIENTS``
   (default 16) keep-alive connections, paced on a fixed timetable of ``BENCH_SERVICE_RATE``
   (default 305, a little above the target) requests/s - a clinic's devices and staff do not wait for each other - and
   reports the rate achieved, p50/p99 latency and errors;
3. saturation: the same walk-ins with no pacing (each connection sends as soon as it has its
   answer) for ``BENCH_SERVICE_SATURATION_SECONDS`` (default 20): the most the box can do, and the
   latency then (with 16 connections waiting, latency = 16 / throughput by Little's law);
4. resident memory of the server with all models loaded and the gateway running, idle and after
   the load: VmRSS summed over its processes (shared library pages counted once per process,
   the conservative figure) and PSS (each shared page split between the processes sharing it).

Each of these runs once per process count in ``BENCH_SERVICE_WORKERS`` (default ``1,2``: one
process, then ``triage serve --workers 2`` - the primary with the gateway plus one worker, one
per core of this box).

The peer is the issue's target for this 2-core edge box: >= 300 assessments/s sustained, p99 <=
50 ms, zero errors, RSS <= 400 MB, cold start <= 3 s. Ratios are printed against those targets.
Without ``wrk`` an httpx client runs the saturation phase only (it cannot pace and load the
server without competing with it for the two cores).

Run: ``.venv/bin/python -m bench service`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

TARGET_RATE = 300.0
TARGET_P99_MS = 50.0
TARGET_RSS_MB = 400.0
TARGET_COLD_S = 3.0


def listener_profile(port: int) -> str:
    """The shipped generic HL7 listener profile, on ``port`` (the gateway runs; no traffic)."""
    from devices.profile import PROFILE_DIR

    text = (PROFILE_DIR / "generic-hl7.toml").read_text(encoding="utf-8")
    shipped = "port = 2575"
    if shipped not in text:
        raise SystemExit(f"bench: {PROFILE_DIR / 'generic-hl7.toml'} no longer says {shipped!r}")
    return text.replace(shipped, f"port = {port}")


def free_port() -> int:
    """A port for the gateway's listener profile (``[tcp] port`` takes 1-65535, not 0): found free,
    then bound by the server a moment later - another program may take it in between (rare)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: What `triage serve` prints once it listens (``clinic service on URL (N processes; ...)``).
LISTENING = re.compile(r"clinic service on (http://\S+)/ \(")


def serve_command(workers: int) -> list[str]:
    """`triage serve` on any free port (``--port 0``): the server binds it at once and names it in
    the URL it prints, so no other program can take it between a look and the bind."""
    return [str(Path(sys.executable).with_name("triage")), "serve", "--port", "0", "--workers", str(workers)]


def start_server(
    command: list[str], env: dict[str, str], timeout_s: float = 60
) -> tuple[subprocess.Popen[str], str, Callable[[], str]]:
    """Start ``command`` (:func:`serve_command`) and wait for the URL it prints; returns the process,
    that URL (no trailing slash) and a function giving its standard error so far. The output is read
    to the end in the background: a server whose log filled the pipe would otherwise block. A server
    that ends, or says nothing for ``timeout_s``, stops the benchmark with what it said."""
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stderr or ()), daemon=True).start()

    def said() -> str:
        return "".join(lines)

    deadline = time.monotonic() + timeout_s
    while (found := LISTENING.search(said())) is None:
        if server.poll() is not None or time.monotonic() > deadline:
            if server.poll() is None:
                server.kill()
            server.wait()
            time.sleep(0.1)  # the reader's last lines
            raise SystemExit(
                f"bench: {' '.join(command)} printed no URL (exit {server.returncode}):\n{said()}"
            )
        time.sleep(0.02)
    return server, found[1], said


def prepare(folder: Path) -> str:
    """A database with an integrator account and its API token; returns the token."""
    from triage.service.accounts import Accounts
    from triage.service.auth import Role
    from triage.service.database import Databases

    databases = Databases(folder / "bench.db", 5000)
    databases.migrate()
    accounts = Accounts(databases)
    accounts.create("bench", "bench-password-1", Role.integrator, "en", actor="bench")
    token = accounts.issue_token("bench", "load generator", actor="bench")
    databases.close_all()
    return token


def process_tree(pid: int) -> list[int]:
    """The server and its worker processes."""
    pids = [pid]
    try:  # children are listed per thread; the workers are started from a helper thread
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            for child in task.read_text().split():
                pids += process_tree(int(child))
    except OSError:
        pass
    return pids


def _status_kb(path: str, field: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB, summed over the server's processes."""
    pids = process_tree(pid)
    rss = sum(_status_kb(f"/proc/{p}/status", "VmRSS:") for p in pids)
    pss = sum(_status_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
    return rss / 1024, pss / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the server's processes have used so far (all their threads)."""
    total = 0.0
    for p in process_tree(pid):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def walk_in(n: int) -> dict[str, object]:
    unwell = n % 5 == 0
    return {
        "patient": {"mrn": f"BENCH-{n:07d}", "sex": "female" if n % 2 else "male"},
        "age_years": 40 + n % 40,
        "observations": [
            {"code": "spo2", "value": 88 if unwell else 97, "unit": "%"},
            {"code": "heart_rate", "value": 118 if unwell else 76, "unit": "/min"},
            {"code": "resp_rate", "value": 24 if unwell else 15, "unit": "/min"},
            {"code": "sbp", "value": 128, "unit": "mm[Hg]"},
            {"code": "dbp", "value": 82, "unit": "mm[Hg]"},
            {"code": "temperature", "value": 37.1, "unit": "Cel"},
        ],
    }


async def load(base: str, token: str, seconds: float, clients: int) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=10) as client:

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                started = time.perf_counter()
                try:
                    response = await client.post("/api/v1/assessments", json=walk_in(counter))
                    ok = response.status_code == 201
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                if not ok:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, errors, counter


WRK_SCRIPT = r"""
local id = 0
setup = function(thread)
  id = id + 1
  thread:set("tid", id)
end
local counter = 0
request = function()
  counter = counter + 1
  local unwell = counter % 5 == 0
  local body = string.format(
    '{"patient":{"mrn":"WRK-PHASE-%d-%d","sex":"male"},"age_years":%d,"observations":[' ..
    '{"code":"spo2","value":%d,"unit":"%%"},{"code":"heart_rate","value":%d,"unit":"/min"},' ..
    '{"code":"resp_rate","value":%d,"unit":"/min"},{"code":"sbp","value":128,"unit":"mm[Hg]"},' ..
    '{"code":"dbp","value":82,"unit":"mm[Hg]"},{"code":"temperature","value":37.1,"unit":"Cel"}]}',
    tid, counter, 40 + counter % 40, unwell and 88 or 97, unwell and 118 or 76, unwell and 24 or 15)
  return wrk.format("POST", "/api/v1/assessments",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer TOKEN"}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %f %f %d\n", summary.requests,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""

# Pacing: each wrk thread hands out send times on a fixed timetable (INTERVAL ms apart); a
# connection that gets its answer waits for the next free slot. A server that falls behind is
# not allowed to be caught up by a burst: the achieved rate then drops below the target and shows it.
WRK_PACING = r"""
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
           int clock_gettime(int clock, bench_timespec *out); ]]
local now_ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, now_ts)
  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end
local next_at = nil
delay = function()
  local now = now_ms()
  next_at = (next_at or now) + INTERVAL
  if next_at < now then next_at = now end
  return next_at - now
end
"""


def wrk_script(token: str, rate: float | None) -> str:
    """The Lua script of one wrk run: paced at ``rate`` requests/s, or unpaced (saturation). The
    two runs' record numbers differ (WRK-P-..., WRK-S-...): the saturation run re-using the paced
    run's would add its readings to those patients' visits, still open that day, and re-assess
    them over twice the readings instead of registering new walk-ins."""
    text = WRK_SCRIPT.replace("TOKEN", token).replace("PHASE", "P" if rate else "S")
    if rate:
        text += WRK_PACING.replace("INTERVAL", f"{2 * 1000.0 / rate:.6f}")  # two threads share the rate
    return text


def run_wrk(
    base: str, token: str, seconds: float, clients: int, folder: Path, rate: float | None
) -> tuple[float, float, float, int, int]:
    """Debian's wrk (C, two threads) with a Lua script making unique walk-ins, paced at ``rate``
    requests/s when given; returns rate achieved, p50/p99 ms, errors, requests."""
    script = folder / ("paced.lua" if rate else "saturate.lua")
    script.write_text(wrk_script(token, rate), encoding="utf-8")
    command = ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", "-s", str(script), base]
    print(f"load generator: {' '.join(command)}", flush=True)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    requests, non2xx, socket_errors, p50_us, p99_us, duration_us = line.split()[1:]
    achieved = int(requests) / (int(duration_us) / 1e6)
    return (
        achieved,
        float(p50_us) / 1000,
        float(p99_us) / 1000,
        int(non2xx) + int(socket_errors),
        int(requests),
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(label: str, rate: float, p50: float, p99: float, errors: int, sent: int) -> None:
    print(f"{label}")
    print(f"  assessments/s      {rate:8.1f}   target >= {TARGET_RATE:.0f}   ratio {rate / TARGET_RATE:5.2f}")
    print(f"  p50 latency ms     {p50:8.1f}")
    print(
        f"  p99 latency ms     {p99:8.1f}   target <= {TARGET_P99_MS:.0f}    ratio {p99 / TARGET_P99_MS:5.2f}"
    )
    print(f"  errors             {errors:8d}   of {sent} requests   target 0")


def wait_ready(
    base: str, workers: int, started: float, said: Callable[[], str] = str, timeout_s: float = 60
) -> tuple[float, float]:
    """Seconds until the first ``/readyz`` 200, and until every process answered 200 (new
    connections go round the processes, so each poll may reach another one). A server not ready
    within ``timeout_s`` stops the benchmark with its last answer and ``said()``, what the server
    printed: ``/readyz`` tells the reason only to a signed-in administrator (its kind to the
    bench), and a server that did not answer at all ended the bench with httpx's traceback."""
    first = None
    seen: set[int] = set()
    last = "no answer"
    while time.perf_counter() - started < timeout_s:
        try:
            response = httpx.get(f"{base}/readyz", timeout=1, headers={"Connection": "close"})
            last = f"{response.status_code} {response.text}"
            if response.status_code == 200:
                first = first or time.perf_counter() - started
                seen.add(int(response.json().get("worker", 0)))
                if len(seen) >= workers:
                    return first, time.perf_counter() - started
        except httpx.TransportError as exc:
            last = f"no answer ({type(exc).__name__}: {exc})"
        time.sleep(0.02)
    raise SystemExit(
        f"bench: the server was not ready after {timeout_s:.0f} s; /readyz: {last}; the server said:\n{said()}"
    )


def run_mode(workers: int, seconds: float, saturation_s: float, clients: int, offered: float) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="bench-service-"))
    token = prepare(folder)
    profile = folder / "monitor.toml"
    profile.write_text(listener_profile(free_port()), encoding="utf-8")
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "TRIAGE_DATA_DIR": str(folder),
        "TRIAGE_DATABASE__PATH": str(folder / "bench.db"),
        "TRIAGE_GATEWAY__PROFILES": f'["{profile}"]',
    }
    command = serve_command(workers)
    print(f"\n--- {workers} process{'es' if workers > 1 else ''} ---")
    print(
        f"server: {' '.join(command)}  (data in {folder}, removed at the end unless BENCH_SERVICE_KEEP=1;"
        f" gateway profile {profile.name})"
    )
    started = time.perf_counter()
    server, base, said = start_server(command, env)
    results: list[tuple[str, tuple[float, float, float, int, int]]] = []
    cpu_per_request: float | None = None
    try:
        cold, all_ready = wait_ready(base, workers, started, said)
        idle_rss, idle_pss = memory_mb(server.pid)
        print(f"ready after {cold:.2f} s (every process: {all_ready:.2f} s); loading", flush=True)
        if shutil.which("wrk") and not os.environ.get("BENCH_SERVICE_HTTPX"):
            cpu_before = cpu_seconds(server.pid)
            paced = run_wrk(base, token, seconds, clients, folder, offered)
            cpu_per_request = (cpu_seconds(server.pid) - cpu_before) / max(1, paced[4]) * 1000
            results.append(
                (
                    f"sustained: {offered:.0f}/s offered for {seconds:.0f} s on a fixed timetable, "
                    f"{clients} keep-alive connections, wrk (Debian), POST /api/v1/assessments",
                    paced,
                )
            )
            if saturation_s > 0:
                saturated = run_wrk(base, token, saturation_s, clients, folder, None)
                results.append(
                    (
                        f"saturation: no pacing for {saturation_s:.0f} s, {clients} connections "
                        "(the box's ceiling; latency = connections / throughput)",
                        saturated,
                    )
                )
        else:
            latencies, errors, sent = asyncio.run(load(base, token, saturation_s or seconds, clients))
            rate = len(latencies) / (saturation_s or seconds)
            results.append(
                (
                    f"saturation only: httpx asyncio client, {clients} connections (install Debian's wrk "
                    "for the paced run and a lighter generator)",
                    (
                        rate,
                        percentile(latencies, 0.50) * 1000,
                        percentile(latencies, 0.99) * 1000,
                        errors,
                        sent,
                    ),
                )
            )
        loaded_rss, loaded_pss = memory_mb(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(15)
        if not os.environ.get("BENCH_SERVICE_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)  # a 60 s run leaves tens of MB of log behind
    for label, (rate, p50, p99, errors, sent) in results:
        _row(label, rate, p50, p99, errors, sent)
    if cpu_per_request is not None:
        print(
            f"server CPU per walk-in (sustained run, all processes): {cpu_per_request:.2f} ms, i.e. "
            f"{workers} core(s) serve at most {1000 * workers / cpu_per_request:.0f}/s"
        )
    rate, _, p99, errors, _ = results[0][1]
    met = rate >= TARGET_RATE and p99 <= TARGET_P99_MS and errors == 0
    print(
        f"sustained target (>= {TARGET_RATE:.0f}/s, p99 <= {TARGET_P99_MS:.0f} ms, 0 errors): {'met' if met else 'NOT met'}"
    )
    print(
        f"memory MB, RSS summed idle/loaded {idle_rss:6.0f} / {loaded_rss:4.0f}   target <= {TARGET_RSS_MB:.0f}"
        f"  ratio {loaded_rss / TARGET_RSS_MB:5.2f}   (PSS {idle_pss:.0f} / {loaded_pss:.0f})"
    )
    print(
        f"cold start to /readyz s {cold:5.2f}   target <= {TARGET_COLD_S:.0f}    ratio {cold / TARGET_COLD_S:5.2f}"
        f"   (every process ready: {all_ready:.2f} s)"
    )
    return met


def main() -> None:
    seconds = float(os.environ.get("BENCH_SERVICE_SECONDS", "60"))
    saturation_s = float(os.environ.get("BENCH_SERVICE_SATURATION_SECONDS", "20"))
    clients = int(os.environ.get("BENCH_SERVICE_CLIENTS", "16"))
    # Offered a little above the target, so that the rate achieved (start-up and the last partial
    # interval included) must itself reach the target.
    offered = float(os.environ.get("BENCH_SERVICE_RATE", str(TARGET_RATE + 5)))
    modes = [int(x) for x in os.environ.get("BENCH_SERVICE_WORKERS", "1,2").split(",") if x.strip()]
    for workers in modes:
        run_mode(workers, seconds, saturation_s, clients, offered)


if __name__ == "__main__":
    main()

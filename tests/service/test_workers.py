"""`triage serve --workers 2`: a real primary and worker process on loopback, one SQLite file.

Checks that connections go round both processes, that walk-ins served by either are stored once
and counted by /metrics on either, that the primary writes the worker's walk-ins and the worker
answers with the primary's errors, that a live update reaches a page open on the other process,
that failed logins count across processes, that the primary's device status and readiness reach
the worker, that a killed worker is started again, and that Ctrl-C ends every process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from referral import audit
from referral.schema import connect
from tests.ports import free_port, port_said
from tests.service.conftest import HTTP_TIMEOUT_S
from triage.service.accounts import Accounts
from triage.service.auth import Role
from triage.service.database import Databases

TRIAGE = str(Path(sys.executable).with_name("triage"))
PROFILE = """
device_id = "ward-monitor"
description = "HL7 monitor listener (test; no traffic)"
protocol = "hl7"
encoding = "latin-1"

[tcp]
mode = "listen"
port = {port}

[mapping.SPO2]
code = "spo2"
unit = "%"
"""


@dataclass
class Service:
    process: subprocess.Popen[str]
    base: str
    token: str
    db_path: Path
    log: Path

    def fresh(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        """One request on a new connection (so the primary deals it to the next process)."""
        headers = {"Authorization": f"Bearer {self.token}", "Connection": "close"}
        with httpx.Client(base_url=self.base, timeout=HTTP_TIMEOUT_S) as client:
            return client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def children(self) -> list[int]:
        """Child processes of every thread (the workers are started from a helper thread)."""
        tasks = Path(f"/proc/{self.process.pid}/task").glob("*/children")
        return sorted(int(x) for task in tasks for x in task.read_text().split())


def walk_in(n: int) -> dict[str, object]:
    return {
        "patient": {"mrn": f"W-{n:04d}", "sex": "female"},
        "age_years": 50,
        "observations": [
            {"code": "spo2", "value": 97, "unit": "%"},
            {"code": "heart_rate", "value": 80, "unit": "/min"},
            {"code": "resp_rate", "value": 16, "unit": "/min"},
        ],
    }


def wait_until_both_ready(service: Service, deadline_s: float = 60) -> None:
    seen: set[int] = set()
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        try:
            response = service.fresh("GET", "/readyz")
            if response.status_code == 200:
                seen.add(int(response.json()["worker"]))
        except httpx.TransportError:
            pass
        if seen == {0, 1}:
            return
        time.sleep(0.1)
    raise AssertionError(f"only workers {sorted(seen)} became ready")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("workers")
    db_path = folder / "clinic.db"
    databases = Databases(db_path, 5000)
    databases.migrate()
    accounts = Accounts(databases)
    accounts.create("admin", "admin-password-1", Role.admin, "en", actor="test-setup")
    token = accounts.issue_token("admin", "workers test", actor="test-setup")
    databases.close_all()
    profile = folder / "monitor.toml"
    profile.write_text(PROFILE.format(port=free_port()), encoding="utf-8")  # known before it starts
    env = {
        **os.environ,
        "TRIAGE_DATA_DIR": str(folder),
        "TRIAGE_DATABASE__PATH": str(db_path),
        "TRIAGE_GATEWAY__PROFILES": f'["{profile}"]',
        "TRIAGE_SERVICE__DEFAULT_LANGUAGE": "en",
        "TRIAGE_SERVICE__LOGIN_ATTEMPTS_PER_MINUTE": "3",
    }
    log = (folder / "serve.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [TRIAGE, "serve", "--workers", "2", "--port", "0"], env=env, stderr=log, text=True
    )
    try:
        port = port_said(lambda: (folder / "serve.log").read_text(encoding="utf-8"), process)
        running = Service(process, f"http://127.0.0.1:{port}", token, db_path, folder / "serve.log")
        wait_until_both_ready(running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def test_connections_are_dealt_round_both_processes(service: Service) -> None:
    workers = [service.fresh("GET", "/readyz").json()["worker"] for _ in range(8)]
    assert workers.count(0) == 4 and workers.count(1) == 4, workers


def test_walk_ins_on_either_process_are_stored_once_and_counted_by_any_metrics(service: Service) -> None:
    for n in range(6):
        response = service.fresh("POST", "/api/v1/assessments", json=walk_in(n))
        assert response.status_code == 201, response.text
    db = connect(service.db_path, migrate=False)
    stored = db.conn.execute(
        "SELECT count(*) FROM assessments a JOIN encounters e ON e.id = a.encounter_id "
        "JOIN patients p ON p.id = e.patient_id WHERE p.mrn LIKE 'W-%'"
    ).fetchone()[0]
    assert stored == 6
    report = audit.verify(db)
    assert report.ok, report.problem
    db.close()
    both = shared_metric(service, "triage_assessments_total{", lambda counts: min(counts) >= 6)
    assert min(both) >= 6, both


def shared_metric(
    service: Service, prefix: str, done: Callable[[list[float]], bool], timeout_s: float = 20
) -> list[float]:
    """The sum of the ``prefix`` lines of /metrics in two scrapes, one answered by each process,
    polled until ``done`` says both are there (or ``timeout_s``). Each process shares its metrics
    with the other every two seconds (``shared_state``); a fixed 2.5 s wait left half a second for
    a loaded machine to be late."""

    def scrape() -> float:
        text = service.fresh("GET", "/metrics").text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))

    deadline = time.monotonic() + timeout_s
    while not done(counts := [scrape(), scrape()]) and time.monotonic() < deadline:
        time.sleep(0.2)
    return counts


def test_the_primary_writes_the_worker_s_walk_ins(service: Service) -> None:
    counter = "triage_writer_line_walk_ins_total"
    settled = shared_metric(service, counter, lambda counts: counts[0] == counts[1])
    assert settled[0] == settled[1], f"the processes' counts never agreed: {settled}"
    before = settled[0]
    for n in range(300, 306):  # new connections alternate: three go to the worker
        assert service.fresh("POST", "/api/v1/assessments", json=walk_in(n)).status_code == 201
    after = shared_metric(service, counter, lambda counts: min(counts) >= before + 3)
    assert after == [before + 3, before + 3]


def test_an_error_raised_by_the_primary_reaches_the_worker_s_client(service: Service) -> None:
    first = {**walk_in(400), "idempotency_key": "key-400"}
    assert service.fresh("POST", "/api/v1/assessments", json=first).status_code == 201
    other = {**walk_in(401), "idempotency_key": "key-400"}  # the same key for another patient
    answers = [service.fresh("POST", "/api/v1/assessments", json=other) for _ in range(3)]
    assert [a.status_code for a in answers] == [409, 409, 409], [a.text for a in answers]
    assert all("another patient" in a.json()["error"] for a in answers), answers[0].text
    again = [service.fresh("POST", "/api/v1/assessments", json=first) for _ in range(3)]
    assert [a.status_code for a in again] == [201, 201, 201]
    assert len({a.json()["id"] for a in again}) == 1, "the stored assessment, from either process"


def test_a_refusal_the_primary_raises_keeps_its_params_on_the_worker(service: Service) -> None:
    """The primary's error crosses the writer line with its message key and params: the JSON's
    ``context`` (and a page's translated sentence) is the same from either process. Walk-ins are
    stored by the primary: a second walk-in the same day with another age is refused there, naming
    the visit open today and its age (before 8f8c5c18 this test used a client key ending in
    ':encounter' to reach a closed walk-in visit, a collision the API now refuses)."""
    first = service.fresh("POST", "/api/v1/assessments", json=walk_in(500))
    assert first.status_code == 201, first.text
    again = {**walk_in(500), "age_years": 60}
    answers = [service.fresh("POST", "/api/v1/assessments", json=again) for _ in range(4)]
    assert len({a.status_code for a in answers}) == 1 and answers[0].status_code in (409, 422), [
        a.text for a in answers
    ]
    contexts = [a.json().get("context") for a in answers]
    assert all(c == contexts[0] for c in contexts), contexts
    assert (contexts[0]["given"], contexts[0]["age"]) == (60, 50), contexts[0]
    assert contexts[0]["encounter"] == first.json()["encounter_id"], contexts[0]


def test_a_live_update_reaches_a_page_open_on_the_other_process(service: Service) -> None:
    # Every walk-in is stored (and its event published) by the primary: a page open on the worker
    # hears of it only through the line between the processes.
    headers = {"Authorization": f"Bearer {service.token}"}
    received: list[str] = []
    for _ in range(3):
        client = httpx.Client(base_url=service.base, headers=headers, timeout=HTTP_TIMEOUT_S)
        if client.get("/readyz").json()["worker"] == 1:
            break
        client.close()
    else:
        raise AssertionError("no connection went to the worker")
    with client.stream("GET", "/events") as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        # the hello: the page's stream is open on the worker before the walk-in (a 0.3 s sleep was
        # to see to it, and the event then had 5 s to come)
        assert next(lines).startswith("retry:")

        def read() -> None:
            for line in lines:
                received.append(line)
                if line.startswith("event: queue"):
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert service.fresh("POST", "/api/v1/assessments", json=walk_in(100)).status_code == 201
        reader.join(HTTP_TIMEOUT_S)
    client.close()
    assert "event: queue" in received, received


def test_failed_logins_count_across_processes(service: Service) -> None:
    form = {"username": "admin", "password": "wrong-password", "next": "/"}
    statuses = [service.fresh("POST", "/login", data=form).status_code for _ in range(4)]
    assert statuses[:3] == [401, 401, 401], statuses
    assert statuses[3] == 429, "the fourth attempt (on either process) is refused: 3 a minute"
    again = service.fresh("POST", "/login", data=form)
    assert again.status_code == 429, "still refused on the other process"


def test_the_worker_shows_the_primary_s_devices_and_readiness(service: Service) -> None:
    for _ in range(3):
        response = service.fresh("GET", "/api/v1/devices")
        assert response.status_code == 200, response.text
        assert [row["device"] for row in response.json()] == ["ward-monitor"]
        assert service.fresh("GET", "/readyz").json()["ready"] is True


def test_a_worker_that_dies_is_started_again(service: Service) -> None:
    (worker_pid,) = service.children()
    os.kill(worker_pid, signal.SIGKILL)
    # Meanwhile the primary serves the dead worker's share itself: no request fails.
    for n in range(200, 206):
        assert service.fresh("POST", "/api/v1/assessments", json=walk_in(n)).status_code == 201
    # The new worker is started by the dead one's watch thread, which then ends: for a moment the
    # child is listed under no thread of the primary. Read the list once per try and keep it.
    restarted = None
    deadline = time.monotonic() + 20
    while restarted is None and time.monotonic() < deadline:
        found = service.children()
        if len(found) == 1 and found[0] != worker_pid:
            restarted = found[0]
        time.sleep(0.2)
    assert restarted is not None, f"no new worker within 20 s (children: {service.children()})"
    wait_until_both_ready(service)


def test_ctrl_c_ends_every_process(service: Service) -> None:
    children = service.children()
    assert children
    service.process.send_signal(signal.SIGINT)
    assert service.process.wait(15) == 130, "stopped by Ctrl-C (the shell's 128 + SIGINT)"
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    log = service.log.read_text(encoding="utf-8")
    assert "Traceback" not in log, log
    assert "worker 1 (pid" in log, "the killed worker was reported before it was started again"

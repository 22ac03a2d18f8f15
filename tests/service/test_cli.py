"""`triage serve` and `triage demo` as a user runs them (real processes, real ports)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.ports import collected, free_port, port_said
from triage.service.api.system import DETAIL_ELSEWHERE
from triage.service.auth import Role
from triage.settings import load_settings

TRIAGE = str(Path(sys.executable).with_name("triage"))


def wait_healthy(port: int) -> None:
    """Until the service on ``port`` answers /healthz (at most a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the service did not start")


def test_a_busy_port_is_one_clear_line_not_a_traceback() -> None:
    """Exit 75 (EX_TEMPFAIL), which systemd restarts: it exited 2, which the documented unit's
    RestartPreventExitStatus=2 never retries, though a port is often busy for a moment only."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command in ("serve", "demo"):
            result = subprocess.run(
                [TRIAGE, command, "--port", str(port)], capture_output=True, text=True, timeout=60
            )
            assert result.returncode == 75, result.stderr
            assert result.stderr.strip() == (
                f"error: cannot listen on 127.0.0.1:{port}: Address already in use; "
                "stop the other program or choose --port"
            )


def test_a_data_dir_that_already_holds_a_demo_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    """What was given is wrong (README: exit 2): it exited 1 with 'tmp/demo-clinic.db already exists;
    the demo starts from a fresh folder (omit --data-dir)', not naming the option nor a way but one."""
    (tmp_path / "demo-clinic.db").write_bytes(b"")
    result = subprocess.run(
        [TRIAGE, "demo", "--data-dir", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"error: --data-dir {tmp_path}: already holds a demo ({tmp_path / 'demo-clinic.db'}); the demo"
        " starts from a fresh folder: give a new or empty one, or omit --data-dir (a new temporary folder)\n"
    )


@pytest.fixture(scope="module")
def bounded_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One `triage demo --seconds 5 --interval 1 --close-after 1`, which stops by itself (the ended
    process and its --data-dir), with no TRIAGE_ variable of the caller's: the bounded demo's test
    reads what it did, and the clinic-id test takes it as its demo of the default clinic (ZJ-C01),
    whose log it exports - it ran a demo of its own for that, stopped once it had assessed a visit."""
    folder = tmp_path_factory.mktemp("bounded-demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    result = subprocess.run(
        [
            TRIAGE,
            "demo",
            "--seconds",
            "5",
            "--interval",
            "1",
            "--close-after",
            "1",
            "--port",
            "0",
            "--data-dir",
            str(folder),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    return result, folder


def test_bounded_demo_runs_the_pipeline_and_stops_by_itself(
    bounded_demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """--seconds counts from the service's start (triage.service.demo.run_demo) and the first
    visit is closed at the second patient's turn, --interval 1 after the first patient was assessed
    (--close-after 1): 5 s hold the first patient, its close and a margin for a loaded machine (a
    demo of 4 s at a load of 22 on 2 cores closed one; it ran 9 s). That a folder holding a demo's
    log is refused (exit 2) is test_a_data_dir_that_already_holds_a_demo_is_a_usage_error_naming_the_option's
    check, on the file this demo writes (demo-clinic.db, read below): this test ran a second demo
    for it, the same refusal of the same file."""
    result, folder = bounded_demo
    assert result.returncode == 0, result.stderr
    assert "SYNTHETIC" in result.stdout
    for user in ("admin", "doctor", "nurse"):
        assert f"  {user}" in result.stdout
    assert "Traceback" not in result.stderr
    db = sqlite3.connect(folder / "demo-clinic.db")
    assert (
        db.execute("SELECT count(*) FROM assessments WHERE created_by = 'device-gateway'").fetchone()[0] >= 1
    )
    assert db.execute("SELECT count(*) FROM facilities WHERE synthetic = 1").fetchone()[0] > 0
    assert "closes the visit" in result.stdout, "the demo says what its nurse does"
    closed = db.execute(
        "SELECT closed_by, close_reason FROM encounters WHERE closed_at IS NOT NULL"
    ).fetchall()
    assert closed, "the simulated nurse closes finished visits"
    # labelled synthetic in the clinic's language: Chinese by default (22093e2), 合成患者
    assert all(by == "demo-nurse" and ("SYNTHETIC" in why or "合成患者" in why) for by, why in closed), closed
    waiting = db.execute(
        "SELECT count(*) FROM encounters e JOIN referrals r ON r.encounter_id = e.id"
        " WHERE e.closed_at IS NOT NULL AND r.status = 'proposed'"
    ).fetchone()[0]
    assert waiting == 0, "a visit whose referral waits for a clinician stays open"


def test_demo_clinics_with_their_own_clinic_id_export_and_pool_without_exported_twice(
    bounded_demo: tuple[subprocess.CompletedProcess[str], Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every demo database said clinic ZJ-C01 whatever TRIAGE_CLINIC_ID was, so pooling two demo
    clinics rejected all but one as "exported twice"; an id the directory lacks is said, as `serve` does.
    The demos are real processes (the clinic id comes from their environment); the exports and the
    pooled report, which read the logs they left, run in this process (``triage.cli.main``): three
    more processes' start-ups were most of the test's time and none of what it checks. The demo of
    the default clinic (no TRIAGE_CLINIC_ID) is the module's bounded demo, ended by itself."""
    from triage.cli import main

    bounded, folder = bounded_demo
    assert bounded.returncode == 0, bounded.stderr
    _until_counted(folder / "demo-clinic.db", "assessments")  # (it has ended: there, or never)
    runs, said = {}, {}
    for name, clinic in (("b", "ZJ-C02"), ("c", "ZJ-NONE")):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
        env["TRIAGE_CLINIC_ID"] = clinic
        command = [TRIAGE, "demo", "--interval", "1", "--port", "0", "--data-dir", str(tmp_path / name)]
        runs[name] = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        said[name] = collected(runs[name].stdout)
    try:
        # each runs until what the test reads is there (it ran 4 s each): its clinic: line, which
        # comes before the URL, and for the one exported a visit assessed, a row its export carries
        for name, run in runs.items():
            port_said(said[name], run, timeout_s=120)  # start-ups at once on a busy box
            if name == "b":
                _until_counted(tmp_path / name / "demo-clinic.db", "assessments")
        for run in runs.values():
            run.send_signal(signal.SIGTERM)  # a clean stop, as on Ctrl-C (exit 0)
        codes = [run.wait(30) for run in runs.values()]
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
                run.wait()
    assert codes == [0, 0], {name: said[name]() for name in runs}
    stdout = {"a": bounded.stdout} | {name: said[name]() for name in runs}
    assert 'clinic: "ZJ-C01"\n' in stdout["a"] and 'clinic: "ZJ-C02"\n' in stdout["b"], (
        "ZJ-C01 stays the default"
    )
    assert 'clinic: "ZJ-NONE" (not in the facility directory: visits get no facility' in stdout["c"]
    exports = []
    for name, db in (("a", folder / "demo-clinic.db"), ("b", tmp_path / "b" / "demo-clinic.db")):
        out = tmp_path / f"{name}-export"
        exported = main(["referrals", "export", "--format", "analytics", "--out", str(out), "--db", str(db)])
        assert exported == 0, capsys.readouterr().err
        exports += ["--input", str(out)]
    capsys.readouterr()
    report = main(["report", "imbalance", *exports, "-o", str(tmp_path / "pooled"), "--json", "-q"])
    said_report = capsys.readouterr()
    assert report == 0, said_report.err
    pooled = json.loads(said_report.out)
    assert pooled["files_rejected"] == 0 and pooled["rejections"] == [], pooled["rejections"]


def _until_counted(log: Path, table: str) -> None:
    """Until the demo writing ``log`` has a row in ``table`` (observations: a synthetic patient
    measured, the simulators and the gateway at work; assessments: one assessed), at most 60 s."""
    db = sqlite3.connect(log)
    try:
        deadline = time.monotonic() + 60
        while not db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
            assert time.monotonic() < deadline, f"no synthetic patient in {table} of {log}"
            time.sleep(0.1)
    finally:
        db.close()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc: psutil is no dependency)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:  # ended meanwhile
            continue
        if stat and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_sigterm_stops_the_demo_cleanly_as_ctrl_c_does_and_exits_0(tmp_path: Path) -> None:
    """SIGTERM (kill, systemd, docker stop) killed `triage demo` outright (-15, 143 in the shell):
    uvicorn shut down, then raised the signal again and the process died of it silently, before the
    demo stopped its synthetic patients and closed its simulated devices. Now it stops as on Ctrl-C
    and, as `triage devices listen | simulate`, says "stopped (SIGTERM)" and exits 0 - leaving no
    process, no bound port and no writer lock on the demo's referral log behind."""
    from triage.service.acceptor import bind_listener

    folder = tmp_path / "demo"
    command = [TRIAGE, "demo", "--port", "0", "--interval", "0.5", "--data-dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = collected(process.stdout)
    try:
        port = port_said(out, process)
        wait_healthy(port)
        _until_counted(folder / "demo-clinic.db", "observations")
        children = _children(process.pid)
        process.send_signal(signal.SIGTERM)
        code = process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.stderr is not None
    stderr = process.stderr.read()
    assert code == 0, stderr
    assert stderr.endswith("demo stopped (SIGTERM)\n") and "Traceback" not in stderr
    assert not [pid for pid in children if _alive(pid)]
    bind_listener("127.0.0.1", port).close()  # the port is free again, as the demo binds it
    log = sqlite3.connect(folder / "demo-clinic.db", timeout=0)
    log.execute("BEGIN IMMEDIATE")  # no writer lock held: "database is locked" otherwise
    log.rollback()
    assert log.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    log.close()


def test_an_unknown_log_level_is_a_usage_error_before_the_server_starts() -> None:
    """It was passed to uvicorn, which failed after binding with a KeyError traceback."""
    result = subprocess.run(
        [TRIAGE, "serve", "--log-level", "loud", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == 'error: --log-level "loud": choose one of critical, error, warning, info, debug, trace\n'
    )


def test_a_database_that_is_not_sqlite_leaves_the_service_not_ready_with_the_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Like a database folder that cannot be created: /readyz says why (was a traceback and exit 3)."""
    from fastapi.testclient import TestClient

    from triage.service import create_app

    from .conftest import make_settings

    junk = tmp_path / "clinic.db"
    junk.write_text("these are my notes, not a referral log\n" * 50, encoding="utf-8")
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"].startswith("invalid_config (")  # in full: the service log's
    assert (
        f"service not ready: invalid_config: database.path {junk}: not a usable referral log (SQLite: file"
        " is not a database)"
    ) in caplog.text


def test_an_unknown_enabled_model_is_a_settings_problem_in_the_readiness_reason(tmp_path: Path) -> None:
    """/readyz said "not_found: unknown risk model(s) cvd in ..." where the CLI calls the same
    setting invalid (exit 2): the reason names the setting, as "invalid_config"."""
    from fastapi.testclient import TestClient

    from triage.service import create_app

    settings = load_settings(
        None, data_dir=tmp_path, database={"path": tmp_path / "clinic.db"}, models={"enabled": ["cvd"]}
    )
    with TestClient(create_app(settings)) as client:
        client.app.state.runtime.accounts.create("boss", "clinic-pass-2026", Role.admin, "en", actor="t")  # type: ignore[attr-defined]
        client.post("/login", data={"username": "boss", "password": "clinic-pass-2026"})
        response = client.get("/readyz")  # (in full to an administrator)
    assert response.status_code == 503
    reason = response.json()["reason"]
    assert reason.startswith('invalid_config: settings: models.enabled: no such risk model "cvd" in ')
    assert reason.endswith("; known: cvd10, stroke10, diabetes, ckd")


def test_a_database_folder_under_a_file_is_named_in_the_readiness_reason_as_the_cli_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """/readyz said Python's "os_error: [Errno 17] File exists: '...'" where `triage referrals
    migrate` says the file is in the way of a folder."""
    from fastapi.testclient import TestClient

    from triage.cli import main
    from triage.service import create_app

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = blocker / "clinic.db"
    settings = load_settings(None, data_dir=tmp_path, database={"path": path})
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    why = f"cannot create the referral log's folder ({blocker} is a file, not a folder)"
    body = response.json()
    at = body["retry"]["next_attempt_at"]  # tried again in the background (tests/service/test_log_retry.py)
    assert body["reason"] == (
        f"invalid_config ({DETAIL_ELSEWHERE}) (retrying in the background: attempt 1 failed,"
        f" attempt 2 at {at})"
    )
    assert f"service not ready: invalid_config: database.path {path}: {why}" in caplog.text  # in full
    assert main(["referrals", "migrate", "--db", str(path)]) == 2
    assert capsys.readouterr().err == f"error: {path}: {why}\n"


def test_a_host_that_is_not_an_address_here_says_so_and_points_at_host() -> None:
    """A bad --host said 'Unknown error -2; stop the other program or choose --port'."""
    port = str(free_port())
    for command, host, message in (
        (
            "serve",
            "999.1.1.1",
            '"999.1.1.1" is not an IP address or a known host name; give an IP address (--host)',
        ),
        ("demo", "nosuchhost.invalid", '"nosuchhost.invalid" is not an IP address or a known host name'),
        (
            "serve",
            "192.0.2.1",
            "Cannot assign requested address; give an IP address of this computer (--host)",
        ),
    ):
        result = subprocess.run(
            [TRIAGE, command, "--host", host, "--port", port], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: cannot listen on {host}:{port}: {message}")
        assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_ctrl_c_ends_the_service_with_130_even_when_started_with_sigint_ignored(
    command: str, tmp_path: Path
) -> None:
    """A script's `triage serve &` (a non-interactive shell ignores SIGINT in background jobs):
    Ctrl-C stopped the service, but its re-raised SIGINT was ignored and it exited 0 - a supervisor
    or script read "ended by itself" instead of "stopped by Ctrl-C" (128 + SIGINT). `triage demo`
    ended with 0 on Ctrl-C from a terminal, and started with SIGINT ignored Ctrl-C did not stop it."""
    env = {
        **os.environ,
        "TRIAGE_DATA_DIR": str(tmp_path),
        "TRIAGE_DATABASE__PATH": str(tmp_path / "clinic.db"),
    }
    for ignored in (False, True):
        args = {
            "serve": ["--workers", "1"],
            "demo": ["--interval", "5", "--data-dir", str(tmp_path / f"demo-{ignored}")],
        }[command]
        process = subprocess.Popen(
            [TRIAGE, command, "--port", "0", *args],
            env=env,
            stdout=subprocess.PIPE,  # the demo's URL
            stderr=subprocess.PIPE,  # serve's
            text=True,
            preexec_fn=lambda ignored=ignored: signal.signal(  # type: ignore[misc]
                signal.SIGINT, signal.SIG_IGN if ignored else signal.SIG_DFL
            ),
        )
        said = collected(process.stdout if command == "demo" else process.stderr)
        try:
            wait_healthy(port_said(said, process))
            process.send_signal(signal.SIGINT)
            assert process.wait(30) == 130, (ignored, said())
            if command == "demo":
                assert process.stderr is not None and process.stderr.read().endswith("demo stopped\n")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_a_gateway_profile_whose_mapping_triage_does_not_know_is_refused_before_serve_starts(
    tmp_path: Path,
) -> None:
    """`devices listen` and `replay` refused a [mapping] typo; `serve` (which runs the gateway on
    the settings' profiles) started, and every result of that test was quarantined."""
    from devices.profile import PROFILE_DIR

    profile = tmp_path / "analyzer.toml"
    text = (PROFILE_DIR / "sysmex-xn550.toml").read_text()
    assert 'code = "wbc"' in text
    profile.write_text(text.replace('code = "wbc"', 'code = "wbcc"', 1))
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'data_dir = "{tmp_path}"\n[database]\npath = "{tmp_path / "clinic.db"}"\n'
        f'[gateway]\nprofiles = ["{profile}"]\n'
    )
    process = subprocess.Popen(
        [TRIAGE, "--config", str(settings), "serve", "--port", "0", "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 2, err
    assert err.startswith(
        f'error: {profile}: invalid device profile: mapping.WBC.code: unknown observation code "wbcc"; '
        "known codes: albumin_creatinine_ratio, "
    )
    assert err.count("\n") == 1
    assert not (tmp_path / "clinic.db").exists(), "refused before the service opened its database"

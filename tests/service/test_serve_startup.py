"""`triage serve` as the clinic's IT administrator runs it: started from another working folder, it
says once ready what it runs on (settings, referral log, schema, policy, risk models); a mistake
in the policy file stops it with one line; Ctrl-C in its terminal (SIGINT to every process of the
group) ends all its processes without a traceback; the settings' `log_level` is the server's.

Real `triage serve` subprocesses on loopback and real SQLite files.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from referral.migrations import MIGRATIONS
from tests.ports import free_port, port_said
from tests.referral.test_cli_log_path import _as_pasted

TRIAGE = str(Path(sys.executable).with_name("triage"))


def unstamped(text: str) -> list[str]:
    """The lines of a service log, each without the UTC time stamp it starts with
    (triage.service.logline)."""
    return [line.split(" ", 1)[1] if line[:4].isdigit() else line for line in text.splitlines()]


def environment() -> dict[str, str]:
    """This test's environment: no TRIAGE_ variable of the caller's."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("TRIAGE_")}


def wait_ready(workers: set[int], process: subprocess.Popen[str], log: Path) -> int:
    """The port `serve --port 0` got (its first line in ``log``), once every process in ``workers``
    answered /readyz 200."""
    port = port_said(lambda: log.read_text(encoding="utf-8"), process)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and seen != workers:
        assert process.poll() is None, log.read_text(encoding="utf-8")
        try:
            response = httpx.get(
                f"http://127.0.0.1:{port}/readyz", headers={"Connection": "close"}, timeout=5
            )
            if response.status_code == 200:
                seen.add(int(response.json()["worker"]))
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    assert seen == workers, log.read_text(encoding="utf-8")
    return port


def test_a_ready_service_says_what_it_runs_on(tmp_path: Path) -> None:
    """Start-up said only where it listens: not which log (a relative database.path is the working
    folder's), which policy or which model versions the clinic's patients were assessed with. Its
    log is a new one, which start-up says it created: a mistyped database.path (a name in an
    existing folder: a missing folder is refused) started the service on a new, empty log without a
    word - a serve of its own, in the upgrade test, said so for a log of another name."""
    site = tmp_path / "etc"
    site.mkdir()
    (site / "policy.toml").write_text('version = "clinic-7-v2"\n', encoding="utf-8")
    config = site / "clinic.toml"
    config.write_text(
        f'log_level = "info"\n[policy]\nfile = "{site / "policy.toml"}"\n[models]\nenabled = ["cvd10"]\n',
        encoding="utf-8",
    )
    workdir = tmp_path / "srv"
    (workdir / "data").mkdir(parents=True)  # serve creates no missing folder (2171e81)
    log = tmp_path / "serve.log"
    env = environment() | {"TRIAGE_DATABASE__PATH": "data/clinic.db"}
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "--config", str(config), "serve", "--workers", "1", "--port", "0"],
            cwd=workdir,
            env=env,
            stderr=err,
            text=True,
        )
        try:
            port = wait_ready({0}, process, log)
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 130
    text = log.read_text(encoding="utf-8")
    ready = [line for line in unstamped(text) if line.startswith("ready: ")]
    assert ready == [
        f'ready: settings {config} and TRIAGE_DATABASE__PATH; clinic "clinic-demo" (not in the facility'
        " directory: visits get no facility; triage referrals facilities load);"
        f" referral log {workdir / 'data' / 'clinic.db'}"
        f' (schema {MIGRATIONS._migrations[-1].name}); policy "clinic-7-v2" ({site / "policy.toml"});'
        " risk models cvd10 1.0.0; device gateway off; no staff account yet: open"
        f" http://127.0.0.1:{port}/setup to create the administrator"
    ], text
    newest = MIGRATIONS._migrations[-1].name
    assert [line for line in unstamped(text) if line.startswith("referral log ")] == [
        f"referral log {workdir / 'data' / 'clinic.db'}: there was none, a new empty one was created"
        f" (schema {len(MIGRATIONS._migrations)} ({newest})) - right on a first start; otherwise"
        " database.path does not name the clinic's log: stop the service and set it"
    ], text
    # the settings' log_level reaches uvicorn (it was read by nothing: serve logged at warning)
    assert "INFO:     Application startup complete." in text
    assert "Traceback" not in text


def serve_with(variables: dict[str, str], port: int, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRIAGE, "serve", "--workers", "1", "--port", str(port)],
        env=environment() | variables | {"TRIAGE_DATABASE__PATH": str(db)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def serve_with_policy(policy: Path, port: int, db: Path) -> subprocess.CompletedProcess[str]:
    return serve_with({"TRIAGE_POLICY__FILE": str(policy)}, port, db)


def test_a_risk_model_the_models_do_not_have_stops_start_up(tmp_path: Path) -> None:
    """models.enabled naming no model (exit 2 for every other command) left the service up and never
    ready; so did a models.directory without a registry."""
    db, port = tmp_path / "c.db", free_port()
    done = serve_with({"TRIAGE_MODELS__ENABLED": '["cvd"]'}, port, db)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        'error: environment variable TRIAGE_MODELS__ENABLED="[\\"cvd\\"]": no such risk model "cvd" in '
    ), done.stderr
    done = serve_with({"TRIAGE_MODELS__DIRECTORY": str(tmp_path / "models")}, port, db)
    assert done.returncode == 2, done.stderr  # a settings mistake (tests/admin/test_serve_settings_paths.py)
    assert done.stderr == (
        f'error: environment variable TRIAGE_MODELS__DIRECTORY="{tmp_path / "models"}": {tmp_path / "models"}'
        " has no registry.json: not a folder of risk models (docs/models.md); leave models.directory out"
        " for the shipped models\n"
    )
    assert not db.exists()


def test_a_mistake_in_the_policy_file_stops_start_up_naming_its_line(tmp_path: Path) -> None:
    """It started, answered every page and stayed 'not ready' for good, the reason only in /readyz
    and one log line; a bad settings file or device profile stopped start-up."""
    policy, db, port = tmp_path / "policy.toml", tmp_path / "c.db", free_port()
    policy.write_text(
        'version = "clinic-7-v3"\n[glucose]\ncritical_low_mmol_l = 3.0 mmol\n', encoding="utf-8"
    )
    done = serve_with_policy(policy, port, db)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: policy file {policy}: invalid TOML: ")
    assert "line 3" in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert not db.exists()
    with socket.socket() as sock:  # nothing was left listening
        assert sock.connect_ex(("127.0.0.1", port)) != 0

    policy.write_text('version = "clinic-7-v3"\n[glucose]\ncritical_low = 3.0\n', encoding="utf-8")
    done = serve_with_policy(policy, port, db)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: policy file {policy}: line 3: glucose.critical_low"), done.stderr


@pytest.mark.parametrize(("sent", "ended"), [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)])
def test_a_signal_to_the_whole_group_ends_every_process_without_a_traceback(
    sent: signal.Signals, ended: int, tmp_path: Path
) -> None:
    """A terminal's Ctrl-C is SIGINT to the whole foreground group, which held the worker: it stopped
    on its own, printed a KeyboardInterrupt traceback, and the primary logged 'worker 1 ... ended
    with code -2; starting it again in 1 s' (a worker now has a session of its own, outside the
    terminal's group). systemd's stop (KillMode=control-group, its default) is SIGTERM to every
    process of the service, the worker too: the same line, with code -15, on every stop."""
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "serve", "--workers", "2", "--port", "0"],
            cwd=tmp_path,
            env=environment(),
            stderr=err,
            text=True,
            start_new_session=True,  # its own group, as a terminal's foreground job
        )
        try:
            wait_ready({0, 1}, process, log)
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
            os.killpg(process.pid, sent)  # the terminal's group: the primary (a worker has its own session)
            if sent == signal.SIGTERM:  # systemd's control group holds the worker too
                for child in children:
                    os.kill(int(child), sent)
            assert process.wait(20) == ended
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert "starting it again" not in text, text
    assert "INFO:" not in text  # log_level's default: warning, as before


def test_a_hangup_stops_the_service_cleanly_and_ends_with_it(tmp_path: Path) -> None:
    """The terminal or SSH session `triage serve` ran in closes: SIGHUP to its group. It killed the
    primary on the spot (no shutdown: the group commit and the live streams cut off, the worker
    left to find its primary gone); now it stops as on SIGTERM, every process, then ends with
    SIGHUP (129 in a shell, which systemd counts a clean stop)."""
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "serve", "--workers", "2", "--port", "0", "--log-level", "info"],
            cwd=tmp_path,
            env=environment(),
            stderr=err,
            text=True,
            start_new_session=True,
            # a terminal's job hears hangups, also when this test runs under nohup (which would
            # leave SIGHUP ignored in serve: test_serve_started_under_nohup_keeps_running_...)
            preexec_fn=_hangup_default,
        )
        try:
            wait_ready({0, 1}, process, log)
            os.killpg(process.pid, signal.SIGHUP)
            assert process.wait(20) == -signal.SIGHUP
            # The worker (in a session of its own: the hangup never reaches it) stops when the
            # primary has gone.
            started = re.findall(r"Started server process \[(\d+)\]", log.read_text(encoding="utf-8"))
            workers = [int(pid) for pid in started if int(pid) != process.pid]
            assert len(workers) == 1 and wait_ended(workers[0]), started
        finally:
            if _group_alive(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
    text = log.read_text(encoding="utf-8")
    assert f"Finished server process [{process.pid}]" in text, text
    assert text.count("Application shutdown complete.") == 2, text
    assert text.count("Finished server process") == 2, text
    assert "Traceback" not in text and "starting it again" not in text, text


def _hangup_default() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _hangup_ignored() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def test_serve_started_under_nohup_keeps_running_after_a_hangup(tmp_path: Path) -> None:
    """`nohup triage serve &` asks the service to outlive the terminal: nohup starts it with SIGHUP
    ignored. serve put its own stop on SIGHUP all the same, so closing the terminal stopped it - and
    it then exited 0, the ignored SIGHUP raised again doing nothing (found in a `nohup make test`
    run, where this file's hangup test saw exit 0). Now the hangup stays ignored; SIGTERM stops it."""
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "serve", "--port", "0"],
            cwd=tmp_path,
            env=environment(),
            stderr=err,
            text=True,
            start_new_session=True,
            preexec_fn=_hangup_ignored,  # what nohup does before it starts the program
        )
        try:
            port = wait_ready({0}, process, log)
            # it must not end at all: it waited 3 s for an end that never came. A hangup ignored by
            # the process when it is sent is dropped by the kernel, never delivered: none can follow
            assert _ignores(process.pid, signal.SIGHUP), "serve put a handler of its own on SIGHUP"
            os.killpg(process.pid, signal.SIGHUP)
            assert _ignores(process.pid, signal.SIGHUP) and process.poll() is None
            answer = httpx.get(f"http://127.0.0.1:{port}/readyz", headers={"Connection": "close"}, timeout=5)
            assert answer.status_code == 200, answer.text
            process.terminate()
            assert process.wait(20) == -signal.SIGTERM
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert "Traceback" not in log.read_text(encoding="utf-8")


def _ignores(pid: int, sent: signal.Signals) -> bool:
    """Whether process ``pid`` ignores ``sent`` now (its ``SigIgn`` mask in /proc)."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    (mask,) = (line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(int(mask, 16) >> (sent - 1) & 1)


def ended(pid: int) -> bool:
    """Whether process ``pid`` (not ours: the primary's child) has ended - gone, or a zombie its
    new parent has not reaped yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def wait_ended(pid: int) -> bool:
    """Whether process ``pid`` ends within 30 s (:func:`ended`)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not ended(pid):
        time.sleep(0.05)
    return ended(pid)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _serve_once(
    db: Path,
    tmp_path: Path,
    name: str,
    *options: str,
    variables: dict[str, str] | None = None,
    workers: int = 2,
) -> str:
    """The standard error of a real `triage serve --workers 2` (or ``workers``) on ``db``, stopped by
    Ctrl-C once every process is ready; ``options`` after serve's own, ``variables`` in its
    environment."""
    log = tmp_path / name
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "serve", "--workers", str(workers), "--port", "0", *options],
            cwd=tmp_path,
            env=environment() | {"TRIAGE_DATABASE__PATH": str(db)} | (variables or {}),
            stderr=err,
            text=True,
        )
        try:
            wait_ready(set(range(workers)), process, log)
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 130
    return log.read_text(encoding="utf-8")


def test_the_service_log_says_when_start_up_upgraded_an_older_log_or_created_a_new_one(
    tmp_path: Path,
) -> None:
    """Installing a new version and restarting upgraded the clinic's log without a word (the
    ready: line named only the schema it ended at), so an administrator who skipped the backup
    learned that the previous version refuses it only when going back; a mistyped database.path
    started the service on a new, empty log just as quietly - the line a new log gets is
    test_a_ready_service_says_what_it_runs_on's, whose start-up creates one (it had a third serve
    here, of two processes, for a log of another name)."""
    from tests.referral.test_audit_rows_upgrade import _log_0017

    old = _log_0017(tmp_path / "old")
    newest = MIGRATIONS._migrations[-1].name
    text = _serve_once(old, tmp_path, "first.log")
    applied = ", ".join(m.name for m in MIGRATIONS._migrations[17:])
    said = [line for line in unstamped(text) if line.startswith("referral log ")]
    [backup] = old.parent.glob("old.before-upgrade.schema17.*Z.db")  # tests/referral/test_upgrade_backup.py
    assert said == [
        f"referral log {old} upgraded from schema 17 (0017_meter_operator_lists) to schema"
        f" {len(MIGRATIONS._migrations)} ({newest}): applied {applied}; the previous version no longer"
        f" opens it - going back means the previous version and the backup taken before the upgrade,"
        f" {backup} (`{_as_pasted(environment())} referrals restore --from {backup}`; docs/referral-log.md, 'Upgrading to a new"
        " version')"
    ], text
    # the next start-up on it, one process: a worker starts once the primary is ready
    # (triage.service.wiring), so it always opens a log at the newest schema - the first start's
    # worker did, and its silence is in that start's one line; a second worker here checked it again
    again = _serve_once(old, tmp_path, "second.log", workers=1)
    assert not [line for line in unstamped(again) if line.startswith("referral log ")], again

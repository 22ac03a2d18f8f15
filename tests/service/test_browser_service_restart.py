"""What a nurse sees when the service restarts under her: she presses "Record vital signs" while
it is down, and the browser shows its own "This site can't be reached". Back on the patient page
once the service is up again, what she typed was gone - the page it led to was no page of the
service, and ``app.js`` dropped a form sent that no refusal had kept. Now the form's page reached
again (Back, or a reload) with no answer ever come puts it back, saying so ("No answer came for
this form (the service may have been restarting): ... Check whether it was recorded before sending
it again."), with the form's key as it was sent: had the first press been stored before the
service stopped, sending it again is answered that record (``test_browser_form_resent.py``).

Real parts: a real Chromium and a real uvicorn server over a real SQLite file, stopped (its port
refuses connections) and started again on the same port over the same file, as a restart does;
Chinese at 390 px, English at 768 px."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.service.chromium import close_tab
from tests.service.conftest import HTTP_TIMEOUT_S, SERVER_WAIT_MS, copy_seeded, make_settings
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, log_in
from triage.service import create_app
from triage.service.auth import Role
from triage.service.i18n import catalogue
from triage.service.server import ClinicServer

__all__ = ["browser", "pytestmark"]


def _listening(port: int = 0) -> socket.socket:
    """A loopback socket listening on ``port`` (0: any free one), to hand to uvicorn."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    return sock


@contextmanager
def _serving(app: FastAPI, sock: socket.socket) -> Iterator[str]:
    """``app`` on the service's own uvicorn server (``triage serve``'s) on ``sock``, ready; stopped
    on leaving as a SIGTERM stops it (its live streams ended, the port closed)."""
    server = ClinicServer(app, "127.0.0.1", sock.getsockname()[1], log_level="error")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    assert httpx.get(f"{base}/readyz", timeout=HTTP_TIMEOUT_S).status_code == 200
    try:
        yield base
    finally:
        app.state.runtime.stopping = True  # as ClinicServer.handle_exit on SIGTERM
        app.state.runtime.hub.close()
        server.should_exit = True
        thread.join(20)
        assert not thread.is_alive(), "the service did not stop"
        sock.close()


def _temperatures(path: Path, encounter: int) -> int:
    with sqlite3.connect(path) as db:
        query = "SELECT count(*) FROM observations WHERE encounter_id = ? AND code = 'temperature'"
        return int(db.execute(query, [encounter]).fetchone()[0])


def _clinic(folder: Path, seeded: Any) -> tuple[Path, dict[Role, str], Any]:
    """A clinic's folder with the seeded log: (folder, the roles' API tokens, its settings)."""
    folder.mkdir()
    tokens = copy_seeded(seeded, folder)
    return folder, tokens, make_settings(folder)


#: each page a restart is met on: its language and width
SIZES = (("zh", 390), ("en", 768))


def test_vital_signs_sent_while_the_service_restarts_are_back_in_the_form_afterwards(
    browser: object, tmp_path: Path, seeded: Any
) -> None:
    """A page of each language (a patient of its own, a session of its own) meets one restart: each
    started two services of its own, and what a page sees of a restart is its own page's."""
    folder, tokens, settings = _clinic(tmp_path / "clinic", seeded)
    first = _listening()
    port = first.getsockname()[1]
    typed: dict[str, tuple[Any, int, str]] = {}  # language: (page, encounter, the form's key)
    with _serving(app := create_app(settings), first) as url:
        desk = Desk(url, app, tokens)
        for language, width in SIZES:
            made = desk.api(
                Role.nurse, "/assessments", {"patient": {"mrn": f"RESTART-{language}"}, "observations": CALM}
            )
            encounter = int(made["encounter_id"])
            page: Any = log_in(browser, desk, Role.nurse, width, language)
            page.goto(f"{url}/encounters/{encounter}")
            form = page.locator("#vitals-form")
            form.locator("input[name=temperature]").fill("37.1")
            form.locator("input[name=heart_rate]").fill("88")
            typed[language] = (page, encounter, form.locator("input[name=form_key]").input_value())
    for page, encounter, _key in typed.values():
        # the service is down: the browser's own error page, nothing stored
        page.locator("#vitals-form button[type=submit]").click(no_wait_after=True)
        with pytest.raises(PlaywrightError, match="ERR_CONNECTION_REFUSED"):
            page.wait_for_url(f"{url}/encounters/{encounter}/vitals")
        assert _temperatures(folder / "clinic.db", encounter) == 0
    with _serving(app := create_app(settings), _listening(port)) as url:  # the same port, same log
        for (language, width), (page, encounter, key) in zip(SIZES, typed.values(), strict=True):
            form = page.locator("#vitals-form")
            page.go_back()
            page.wait_for_url(f"{url}/encounters/{encounter}")
            note = page.locator("#vitals-form .notice.restored")
            expect(note).to_have_text(catalogue(language)("draft.unanswered"))
            assert_fits(page, f"the form put back ({language}, {width} px)")
            assert form.locator("input[name=temperature]").input_value() == "37.1", language
            assert form.locator("input[name=heart_rate]").input_value() == "88", language
            assert form.locator("input[name=form_key]").input_value() == key, "sent again with its key"
            with page.expect_navigation():
                form.locator("button[type=submit]").click()
            expect(page.locator("#done")).to_have_text(f"✓ {catalogue(language)('done.vitals')}")
            assert _temperatures(folder / "clinic.db", encounter) == 1
            close_tab(page)


def test_the_queue_says_its_updates_stopped_and_catches_up_when_the_service_is_back(
    browser: object, tmp_path: Path, seeded: Any
) -> None:
    """The queue's "Live updates interrupted - reconnecting" is said in a live region (a screen
    reader reads it; it was a plain paragraph whose text changed unannounced), and once the service
    is back the rows are read again: a patient registered meanwhile sent its event to nobody, and
    the queue said "Live" again over rows out of date until the next event. A queue of each language
    (a session of its own) meets one restart, and each waits for a patient of its own."""
    _folder, tokens, settings = _clinic(tmp_path / "clinic", seeded)
    first = _listening()
    port = first.getsockname()[1]
    pages: dict[str, Any] = {}
    with _serving(app := create_app(settings), first) as url:
        for language, width in SIZES:
            page: Any = log_in(browser, Desk(url, app, tokens), Role.nurse, width, language)
            live = page.get_by_role("status").filter(has_text=catalogue(language)("queue.live"))
            expect(live).to_have_count(1, timeout=SERVER_WAIT_MS)  # the stream's hello
            pages[language] = page
    for language, page in pages.items():
        offline = page.get_by_role("status").filter(has_text=catalogue(language)("queue.offline"))
        expect(offline).to_have_count(1, timeout=SERVER_WAIT_MS)  # the stream ended with the service
    # a walk-in for each registered while this service is down (through another process on the same log)
    with TestClient(create_app(settings)) as other:
        headers = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
        for language in pages:
            body = {"patient": {"mrn": f"MEANWHILE-{language}"}, "observations": CALM}
            assert other.post("/api/v1/assessments", json=body, headers=headers).status_code == 201
    with _serving(create_app(settings), _listening(port)):  # the same port, the same log
        for language, page in pages.items():
            live = page.get_by_role("status").filter(has_text=catalogue(language)("queue.live"))
            expect(live).to_have_count(1, timeout=SERVER_WAIT_MS)  # reconnected (retried every 2 s)
            expect(page.locator("#queue")).to_contain_text(f"MEANWHILE-{language}", timeout=SERVER_WAIT_MS)
            close_tab(page)

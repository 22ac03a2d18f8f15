"""A member of staff's own account writes while another writer holds the referral log (a backup, a
migration, ``triage referrals ...`` in a shell): first-run setup, a password change and the language
switch. Each waited ``busy_timeout`` per try, six tries (33 s with the default 5 s) - the button
spun, then the page said "Something needs attention" without the form - and setup wrote the
administrator and its first session in two transactions: another writer taking the log between
them left the page saying nothing was stored for an administrator that existed, the setup page
gone. Now each waits 2 s at most (``SIGN_IN_WAIT_MS``, as a sign-in), then answers 503 with
``Retry-After`` and its form again (what was typed kept, never a password), saying in the page's
language that the log is busy and nothing was recorded; setup's account, session and audit entries
are one transaction.

The app on a real uvicorn server and a real SQLite file whose ``busy_timeout`` is 60 s, and a real
second connection holding the lock (``BEGIN IMMEDIATE``). What is checked is the order of events -
answered before the other writer lets go - with request timeouts shorter than one wait of 60 s
(hang guards only). The forms two members of staff send while the log is held are sent at once
(``answered_together``): each is handled on a thread of its own and waits for the lock on its own,
so each still has to be answered before the other writer lets go."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.service.conftest import PASSWORD, copy_seeded, live_server
from tests.service.test_password_change_while_locked import another_writer_after
from tests.service.test_sign_in_while_locked import answered_together, log_held
from tests.service.test_token_use_while_locked import HANG_GUARD_S
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role, SessionStore
from triage.service.security import token_digest
from triage.settings import load_settings

NEW = "night-shift-47-quince"
BUSY = {
    "setup": (
        "The record database is busy with another task (a backup or maintenance, for example): the"
        " administrator account was not created, and nothing was recorded. Try again in a moment.",
        "记录数据库正忙于其他任务（例如备份或维护）：管理员账户尚未创建，未记录任何内容。请稍后重试。",
    ),
    "password": (
        "The record database is busy with another task (a backup or maintenance, for example): your"
        " password was not changed, and nothing was recorded. Try again in a moment.",
        "记录数据库正忙于其他任务（例如备份或维护）：您的密码未更改，未记录任何内容。请稍后重试。",
    ),
    "language": (
        "The record database is busy with another task (a backup or maintenance, for example): the"
        " language of your pages was not changed. Try again in a moment.",
        "记录数据库正忙于其他任务（例如备份或维护）：页面语言未更改。请稍后重试。",
    ),
}


def _app(folder: Path, **service: object) -> FastAPI:
    database = {"path": folder / "clinic.db", "busy_timeout_ms": 60000}  # the most the settings allow
    return create_app(
        load_settings(None, data_dir=folder, database=database, service={"default_language": "en", **service})
    )


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[FastAPI, str]]:
    """A new clinic's service: no account yet."""
    app = _app(tmp_path)
    with live_server(app) as base:
        yield app, base


@pytest.fixture
def seeded_served(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[tuple[FastAPI, str]]:
    """A clinic's service with an account of each role (password :data:`PASSWORD`); one failed
    password a minute, so a refusal counted shows at the next attempt."""
    copy_seeded(seeded, tmp_path)
    app = _app(tmp_path, login_attempts_per_minute=1)
    with live_server(app) as base:
        yield app, base


def _posted(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    """The answer to POST ``path``; a failure saying so if none comes while the test waits."""
    try:
        return client.post(path, data=data, follow_redirects=False)
    except httpx.TimeoutException:
        pytest.fail(f"POST {path} was not answered while another writer held the log: it waited")


def _error(page: httpx.Response) -> str:
    """The page's error (a form's beside it, the error page's at its top), as read."""
    found = re.search(r'<p class="(?:field-)?error"[^>]*>(.*?)</p>', page.text, re.S)
    assert found is not None, page.text[:3000]
    shown = re.sub(r'<span aria-hidden="true">.*?</span>', "", found[1])
    return html.unescape(re.sub(r"<[^>]+>", "", shown)).strip()


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql).fetchall())


def _busy_answer(page: httpx.Response) -> None:
    assert page.status_code == 503, page.text[:3000]
    assert page.headers["Retry-After"] == "1"
    assert not [c for c in page.headers.get_list("set-cookie") if c.startswith("triage_session=")]


def test_setup_while_another_writer_holds_the_log_keeps_the_form(
    fresh: tuple[FastAPI, str], tmp_path: Path
) -> None:
    _, base = fresh
    path = tmp_path / "clinic.db"
    sent = {"username": "Boss", "password": PASSWORD}
    with (
        httpx.Client(base_url=base, timeout=HANG_GUARD_S) as english,
        httpx.Client(base_url=base, timeout=HANG_GUARD_S, cookies={"triage_lang": "zh"}) as chinese,
    ):
        with log_held(path) as other:
            pages = answered_together(
                [
                    lambda: _posted(english, "/setup", {**sent, "language": "zh"}),
                    lambda: _posted(chinese, "/setup", sent),
                ]
            )
            assert other.in_transaction, "answered while the other writer still holds the log"
        for page, said, chosen in zip(pages, BUSY["setup"], ("zh", "en"), strict=True):
            _busy_answer(page)
            assert _error(page) == said
            assert 'value="Boss"' in page.text, "the user name typed is kept"
            assert PASSWORD not in page.text, "never the password"
            assert re.search(rf'<option value="{chosen}"[^>]*selected', page.text), "the language kept"
            assert 'name="password"' in page.text and 'action="/setup"' in page.text
        assert _rows(path, "SELECT username FROM users") == [], "no administrator stored"
        assert _rows(path, "SELECT count(*) FROM audit") == [(0,)], "nothing recorded"
        assert english.get("/setup").status_code == 200, "the setup page is still there"
        made = english.post("/setup", data={**sent, "language": "en"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/", made.text[:3000]
    assert _rows(path, "SELECT username, role FROM users") == [("boss", "admin")]


def test_setup_writes_the_administrator_and_its_session_together(
    fresh: tuple[FastAPI, str], tmp_path: Path
) -> None:
    """Another writer takes the log the moment the administrator is written: the sign-in that
    follows is already written with it, so the page leads on, signed in."""
    app, base = fresh
    path = tmp_path / "clinic.db"
    accounts = app.state.runtime.accounts
    held: list[sqlite3.Connection] = []
    accounts.create_first_admin = another_writer_after(accounts.create_first_admin, path, held)
    try:
        with httpx.Client(base_url=base, timeout=HANG_GUARD_S) as client:
            made = _posted(client, "/setup", {"username": "boss", "password": PASSWORD, "language": "en"})
            assert held and held[0].in_transaction, "answered while the other writer still holds the log"
            assert made.status_code == 303 and made.headers["location"] == "/", made.text[:3000]
            assert client.cookies.get("triage_session"), "signed in"
    finally:
        for other in held:
            other.execute("ROLLBACK")
            other.close()
    assert _rows(path, "SELECT username, role FROM users") == [("boss", "admin")]
    assert _rows(path, "SELECT username FROM staff_sessions") == [("boss",)]
    entries = _rows(path, "SELECT action, data FROM audit WHERE action = 'user.login'")
    assert [(action, json.loads(data)["via"]) for action, data in entries] == [("user.login", "setup")]


def _signed_in(client: httpx.Client, role: Role, language: str = "en") -> str:
    """Log ``client`` in as ``role`` (pages in ``language``); returns the session's CSRF token."""
    assert client.post("/login", data={"username": role.value, "password": PASSWORD}).status_code == 200
    if language != "en":
        found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
        assert found is not None
        switched = client.post("/language", data={"csrf_token": found[1], "language": language})
        assert switched.status_code == 200, switched.text[:3000]
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
    assert found is not None
    return found[1]


@pytest.fixture
def two_staff(seeded_served: tuple[FastAPI, str]) -> Iterator[list[tuple[httpx.Client, str]]]:
    """A nurse whose pages are English and a clinician whose pages are Chinese, each signed in on a
    client of their own: the client and its session's CSRF token."""
    _, base = seeded_served
    clients = [httpx.Client(base_url=base, timeout=HANG_GUARD_S, follow_redirects=True) for _ in range(2)]
    try:
        yield [
            (clients[0], _signed_in(clients[0], Role.nurse)),
            (clients[1], _signed_in(clients[1], Role.clinician, "zh")),
        ]
    finally:
        for client in clients:
            client.close()


def test_a_password_change_while_another_writer_holds_the_log_keeps_the_form(
    seeded_served: tuple[FastAPI, str], two_staff: list[tuple[httpx.Client, str]], tmp_path: Path
) -> None:
    path = tmp_path / "clinic.db"
    before = _rows(path, "SELECT username, password_hash FROM users ORDER BY username")
    with log_held(path) as other:
        pages = answered_together(
            [
                partial(
                    _posted,
                    client,
                    "/account/password",
                    {"csrf_token": token, "current_password": PASSWORD, "new_password": NEW},
                )
                for client, token in two_staff
            ]
        )
        assert other.in_transaction, "answered while the other writer still holds the log"
    for page, said in zip(pages, BUSY["password"], strict=True):
        _busy_answer(page)
        assert _error(page) == said
        assert 'name="current_password"' in page.text and 'name="new_password"' in page.text
        assert PASSWORD not in page.text and NEW not in page.text, "never a password"
    assert _rows(path, "SELECT username, password_hash FROM users ORDER BY username") == before
    assert _rows(path, "SELECT count(*) FROM audit WHERE action LIKE 'user.password%'") == [(0,)]
    client, token = two_staff[0]
    done = client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": PASSWORD, "new_password": NEW},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:3000]
    assert seeded_served[0].state.runtime.accounts.authenticate("nurse", NEW) is not None


def test_a_wrong_current_password_while_the_log_is_held_is_counted_and_stores_nothing(
    seeded_served: tuple[FastAPI, str], tmp_path: Path
) -> None:
    """The refusal's audit entry cannot be written: the page says the log is busy (as a wrong
    password at login does then) and the failed-login limit counts it - one a minute here."""
    _, base = seeded_served
    path = tmp_path / "clinic.db"
    with httpx.Client(base_url=base, timeout=HANG_GUARD_S, follow_redirects=True) as client:
        csrf = _signed_in(client, Role.nurse)
        with log_held(path) as other:
            wrong = _posted(
                client,
                "/account/password",
                {"csrf_token": csrf, "current_password": "not-her-password", "new_password": NEW},
            )
            assert other.in_transaction, "answered while the other writer still holds the log"
        _busy_answer(wrong)
        assert _error(wrong) == BUSY["password"][0]
        assert _rows(path, "SELECT count(*) FROM audit WHERE action LIKE 'user.password%'") == [(0,)]
        again = client.post(
            "/account/password",
            data={"csrf_token": csrf, "current_password": PASSWORD, "new_password": NEW},
            follow_redirects=False,
        )
    assert again.status_code == 429, "the wrong password was counted"


def test_the_language_switch_while_another_writer_holds_the_log_says_so(
    two_staff: list[tuple[httpx.Client, str]], tmp_path: Path
) -> None:
    path = tmp_path / "clinic.db"
    languages = _rows(path, "SELECT username, language FROM users ORDER BY username")
    sessions = _rows(path, "SELECT id_sha256, language FROM staff_sessions ORDER BY id_sha256")
    with log_held(path) as other:
        pages = answered_together(
            [
                partial(
                    _posted, client, "/language", {"csrf_token": token, "language": wanted, "back": "/queue"}
                )
                for (client, token), wanted in zip(two_staff, ("zh", "en"), strict=True)
            ]
        )
        assert other.in_transaction, "answered while the other writer still holds the log"
    for page, said in zip(pages, BUSY["language"], strict=True):
        _busy_answer(page)
        assert _error(page) == said
        assert 'href="/queue"' in page.text, "leads back to the page the switch was pressed on"
        assert not [c for c in page.headers.get_list("set-cookie") if c.startswith("triage_lang=")]
    assert _rows(path, "SELECT username, language FROM users ORDER BY username") == languages
    assert _rows(path, "SELECT id_sha256, language FROM staff_sessions ORDER BY id_sha256") == sessions
    client, token = two_staff[0]
    switched = client.post(
        "/language", data={"csrf_token": token, "language": "zh", "back": "/queue"}, follow_redirects=False
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/queue"
    assert ("nurse", "zh") in _rows(path, "SELECT username, language FROM users")


CHANGED_BUSY = (
    "Your password was changed, but the record database is busy with another task (a backup or"
    " maintenance, for example): this browser's sign-in was not renewed with it yet. Send the form"
    " again in a moment, with the new password as the new one.",
    "您的密码已更改，但记录数据库正忙于其他任务（例如备份或维护）：此浏览器的登录尚未随之更新。"
    "请稍后重新提交此表单，新密码一栏填写新密码。",
)
CHANGED_ELSEWHERE = (
    "Your password was changed, and this browser's session ended with the change. Log in with the new"
    " password.",
    "您的密码已更改，此浏览器的登录已随之结束。请使用新密码登录。",
)
STAFF = ("nurse", "clinician")  # (two_staff's: English pages, Chinese pages)


def _pressed_again(client: httpx.Client, csrf: str) -> httpx.Response:
    """The password form sent again after its first press changed the password."""
    form = {"csrf_token": csrf, "current_password": PASSWORD, "new_password": NEW}
    return _posted(client, "/account/password", form)


def test_a_password_change_pressed_again_while_the_log_is_held_says_it_was_changed(
    seeded_served: tuple[FastAPI, str], two_staff: list[tuple[httpx.Client, str]], tmp_path: Path
) -> None:
    """The first press changed the password and left the session's re-key to the second (as
    test_browser_password_pressed_twice makes it): that re-key, a write of its own, waited
    ``busy_timeout`` per try, six tries, for a change already stored. Now it is said changed at
    once, the session kept under its cookie, and re-keyed when the form is sent again."""
    app, base = seeded_served
    path = tmp_path / "clinic.db"
    for (client, _), name in zip(two_staff, STAFF, strict=True):
        keep = token_digest(client.cookies[SESSION_COOKIE])
        app.state.runtime.accounts.change_password(name, PASSWORD, NEW, keep_session=keep, client="127.0.0.1")
    sessions = _rows(path, "SELECT id_sha256, csrf_token FROM staff_sessions ORDER BY id_sha256")
    entries = _rows(path, "SELECT count(*) FROM audit")
    with log_held(path) as other:
        pages = answered_together([partial(_pressed_again, client, csrf) for client, csrf in two_staff])
        assert other.in_transaction, "answered while the other writer still holds the log"
    for page, said in zip(pages, CHANGED_BUSY, strict=True):
        _busy_answer(page)
        assert _error(page) == said
        assert 'name="current_password"' in page.text and 'name="new_password"' in page.text
        assert PASSWORD not in page.text and NEW not in page.text, "never a password"
    assert _rows(path, "SELECT id_sha256, csrf_token FROM staff_sessions ORDER BY id_sha256") == sessions
    assert _rows(path, "SELECT count(*) FROM audit") == entries, "nothing recorded"
    client, csrf = two_staff[0]
    old = client.cookies[SESSION_COOKIE]
    assert client.get("/account/password", follow_redirects=False).status_code == 200, "still signed in"
    done = _pressed_again(client, csrf)
    assert done.status_code == 303 and done.headers["location"] == "/account/password?changed=true"
    assert client.cookies[SESSION_COOKIE] != old, "the session goes on under a new cookie"
    with httpx.Client(base_url=base, timeout=HANG_GUARD_S, cookies={SESSION_COOKIE: old}) as copied:
        assert copied.get("/queue", follow_redirects=False).status_code == 303, "the old cookie ends"


def _first_press_then_another_writer(
    app: FastAPI, path: Path, name: str, cookie: str, held: list[sqlite3.Connection]
) -> Callable[[], tuple[str, str, str]]:
    """``SessionStore.new_key`` for the second press of the password form, once: first the first
    press's change with its re-key, as the service writes it, then another writer takes the log
    ``path`` (a backup starting), its connection put in ``held``."""
    sessions = app.state.runtime.sessions

    def first_press_then_another_writer() -> tuple[str, str, str]:
        del sessions.new_key  # (once: the class's own from here on)
        app.state.runtime.accounts.change_password(
            name,
            PASSWORD,
            NEW,
            keep_session=token_digest(cookie),
            client="127.0.0.1",
            rekey_to=SessionStore.new_key()[1:],
        )
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        held.append(other)
        return SessionStore.new_key()

    return first_press_then_another_writer


def test_a_password_change_pressed_again_after_the_first_re_keyed_the_session_leads_to_login(
    seeded_served: tuple[FastAPI, str], two_staff: list[tuple[httpx.Client, str]], tmp_path: Path
) -> None:
    """The first press changed the password and re-keyed the session after the second press was
    let in (its cookie checked), then another writer took the log: the second press's re-key of a
    session gone waited ``busy_timeout`` per try, six tries, for nothing. Now it writes nothing and
    leads to the login page, which says the password was changed."""
    app, _ = seeded_served
    path = tmp_path / "clinic.db"
    sessions = app.state.runtime.sessions
    for (client, csrf), name, said in zip(two_staff, STAFF, CHANGED_ELSEWHERE, strict=True):
        cookie = client.cookies[SESSION_COOKIE]
        held: list[sqlite3.Connection] = []
        sessions.new_key = _first_press_then_another_writer(app, path, name, cookie, held)
        last = _rows(path, "SELECT max(seq) FROM audit")[0][0]
        try:
            page = _pressed_again(client, csrf)
            assert held and held[0].in_transaction, "answered while the other writer still holds the log"
        finally:
            for other in held:
                other.execute("ROLLBACK")
                other.close()
        assert page.status_code == 303, page.text[:3000]
        assert page.headers["location"] == "/login?ended=changed"
        added = _rows(path, f"SELECT action FROM audit WHERE seq > {last}")
        assert added == [("user.password_change",)], "the first press's change, nothing more"
        login = client.get(page.headers["location"])
        assert said in html.unescape(login.text)
        signed_in = client.post("/login", data={"username": name, "password": NEW}, follow_redirects=False)
        assert signed_in.status_code == 303, "the new password signs in"

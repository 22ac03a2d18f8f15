"""The login page after a session ended speaks the language of the user whose browser it is: it said
"登录已失效..." (the clinic's ``service.default_language``) to an English-speaking nurse whose
session had ended, the notice being about that nurse's own work. The stale session cookie is no
signed-in user and is never looked up for this (its session is gone); the language travels in its
own cookie, ``triage_lang``, that holds the language and nothing else - set at login, first-run
setup and the language switch, dropped at logout, so the page after "Log out" is the clinic's
again for the next person. Real uvicorn on a real SQLite file; the clinic's language Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.service.conftest import PASSWORD, live_server, make_settings
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE


def _csrf(page: httpx.Response) -> dict[str, str]:
    found = re.search(r'name="(csrf[^"]*)" value="([^"]+)"', page.text)
    assert found, page.text
    return {found[1]: found[2]}


def test_the_login_page_after_a_session_ended_is_in_its_users_language(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, default_language="zh"))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=60) as browser:
        origin = {"Origin": base}
        made = browser.post(
            "/setup", data={"username": "nurse", "password": PASSWORD, "language": "en"}, headers=origin
        )
        assert made.status_code == 303 and browser.cookies.get("triage_lang") == "en", made.headers
        app.state.runtime.sessions.end_user("nurse")  # the session ended; the browser keeps its cookie
        assert browser.cookies.get(SESSION_COOKIE)
        ended = browser.get("/", follow_redirects=True)
        assert "ended=expired" in str(ended.url), ended.url
        assert '<html lang="en">' in ended.text and "Your session ended" in ended.text, ended.text
        refused = browser.post(
            "/login", data={"username": "nurse", "password": "wrong-pass-2026"}, headers=origin
        )
        assert refused.status_code == 401 and "User name or password is wrong" in refused.text, refused.text

        # a browser that never logged in: the clinic's language
        with httpx.Client(base_url=base, timeout=60) as other:
            assert '<html lang="zh-CN">' in other.get("/login?ended=expired").text

        # the switch to Chinese is remembered as well; logging out drops it for the next person
        browser.post("/login", data={"username": "nurse", "password": PASSWORD}, headers=origin)
        switched = browser.post(
            "/language",
            data={"language": "zh", **_csrf(browser.get("/", follow_redirects=True))},
            headers=origin,
        )
        assert switched.status_code == 303 and browser.cookies.get("triage_lang") == "zh", switched.headers
        browser.post(
            "/language",
            data={"language": "en", **_csrf(browser.get("/", follow_redirects=True))},
            headers=origin,
        )
        assert browser.cookies.get("triage_lang") == "en"
        out = browser.post(
            "/logout",
            data=_csrf(browser.get("/", follow_redirects=True)),
            headers=origin,
            follow_redirects=True,
        )
        assert browser.cookies.get("triage_lang") is None
        assert '<html lang="zh-CN">' in out.text and "您已退出登录" in out.text, out.text

"""The login page after a session ended says how long it may stay unused, in the words of the
settings: with ``service.idle_logout_s = 90`` it said "1 minutes" (whole minutes, floored, always
plural), and a ``session_max_age_s`` of 90 minutes said "1 hours". The time is said in hours,
minutes and seconds now, each singular or plural, in English and Chinese. Real uvicorn, real
SQLite."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role


def _notice(page: str) -> str:
    return page.split('id="login-notice">')[1].split("</p>")[0]


@pytest.mark.parametrize(
    ("idle_s", "session_s", "language", "idle_said", "session_said"),
    [
        (90, 5400, "en", "(1 minute 30 seconds without use", "or 1 hour 30 minutes after logging in"),
        (60, 3600, "en", "(1 minute without use", "or 1 hour after logging in"),
        (1800, 8 * 3600, "en", "(30 minutes without use", "or 8 hours after logging in"),
        (90, 5400, "zh", "（1 分钟 30 秒未操作", "登录已满 1 小时 30 分钟）"),
        (1800, 8 * 3600, "zh", "（30 分钟未操作", "登录已满 8 小时）"),
    ],
)
def test_the_login_page_says_the_idle_time_as_set(
    tmp_path: Path,
    seeded: tuple[Path, dict[Role, str]],
    idle_s: int,
    session_s: int,
    language: str,
    idle_said: str,
    session_said: str,
) -> None:
    copy_seeded(seeded, tmp_path)
    settings = make_settings(
        tmp_path, idle_logout_s=idle_s, session_max_age_s=session_s, default_language=language
    )
    with (
        live_server(create_app(settings)) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        for ended in ("expired", "unsent"):
            page = client.get("/login", params={"ended": ended})
            assert page.status_code == 200, page.text
            notice = _notice(page.text)
            assert idle_said in notice and session_said in notice, notice

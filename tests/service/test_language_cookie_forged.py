"""A ``triage_lang`` cookie that names no language of the pages - forged, mistyped by a script or left
by another version (``fr``, ``EN``, ``zh-CN``, ``<script>``) - is the clinic's language
(``service.default_language``): it was taken as the page's language, which the catalogue does not
have, so every page before a login spoke Chinese - its fallback - in an English-speaking clinic.
Only ``en`` and ``zh``, the values the service sets, choose the page's language. Real uvicorn on a
real SQLite file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

FORGED = ("fr", "EN", "zh-CN", "<script>", "")


@pytest.mark.parametrize("clinic", ["en", "zh"])
def test_a_language_cookie_no_page_speaks_is_the_clinics_language(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], clinic: str
) -> None:
    copy_seeded(seeded, tmp_path)
    html = '<html lang="en">' if clinic == "en" else '<html lang="zh-CN">'
    said = "Your session ended" if clinic == "en" else "登录已失效"
    with live_server(create_app(make_settings(tmp_path, default_language=clinic))) as base:
        for value in FORGED:
            page = httpx.get(
                f"{base}/login?ended=expired", cookies={"triage_lang": value}, timeout=HTTP_TIMEOUT_S
            )
            assert page.status_code == 200, page.text
            assert html in page.text and said in page.text, (value, page.text[:400])
            unknown = httpx.get(
                f"{base}/no-such-page", cookies={"triage_lang": value}, timeout=HTTP_TIMEOUT_S
            )
            assert unknown.status_code == 404 and html in unknown.text, (value, unknown.text[:400])
        # the values the service sets still choose the page's language
        english = httpx.get(
            f"{base}/login?ended=expired", cookies={"triage_lang": "en"}, timeout=HTTP_TIMEOUT_S
        )
        chinese = httpx.get(
            f"{base}/login?ended=expired", cookies={"triage_lang": "zh"}, timeout=HTTP_TIMEOUT_S
        )
    assert '<html lang="en">' in english.text and "Your session ended" in english.text
    assert '<html lang="zh-CN">' in chinese.text and "登录已失效" in chinese.text

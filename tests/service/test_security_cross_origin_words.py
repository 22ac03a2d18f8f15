"""A form refused as sent by another site's page says so on a Chinese page: it showed the
generic "无法完成此操作（说明见下方）。" above the English record (``error.code.cross_origin`` had
no sentence)."""

from __future__ import annotations

from tests.service.conftest import PASSWORD, Staff
from triage.service.auth import Role
from triage.service.i18n import catalogue_data

EVIL = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}


def test_a_cross_origin_refusal_reads_as_such_on_a_chinese_page(staff: Staff) -> None:
    staff.client.cookies.set("triage_lang", "zh")
    refused = staff.client.post(
        "/login", data={"username": "nurse", "password": PASSWORD}, headers=EVIL, follow_redirects=False
    )
    assert refused.status_code == 403
    assert catalogue_data("zh")["error.code.cross_origin"] in refused.text
    assert "无法完成此操作" not in refused.text
    assert "sent by a page of another site" in refused.text  # the English record under it


def test_a_signed_in_chinese_users_form_from_another_site_says_so(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    staff.client.post("/language", data={"language": "zh", "csrf_token": csrf, "back": "/"})
    refused = staff.client.post("/language", data={"language": "en", "csrf_token": csrf}, headers=EVIL)
    assert refused.status_code == 403
    assert catalogue_data("zh")["error.code.cross_origin"] in refused.text
    assert "无法完成此操作" not in refused.text


def test_the_sentence_is_there_in_both_languages() -> None:
    en, zh = catalogue_data("en")["error.code.cross_origin"], catalogue_data("zh")["error.code.cross_origin"]
    assert "another site" in en and "其他网站" in zh

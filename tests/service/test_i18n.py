"""Both interface catalogues carry the same keys and every key the templates use."""

from __future__ import annotations

import re
from pathlib import Path

from triage.service.i18n import catalogue, catalogue_data

TEMPLATES = Path(__file__).resolve().parents[2] / "triage" / "service" / "templates"


def test_catalogues_have_the_same_keys() -> None:
    assert set(catalogue_data("en")) == set(catalogue_data("zh"))


def test_every_literal_key_in_the_templates_exists() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_.]+[a-z0-9_])'\)", template.read_text(encoding="utf-8")))
    assert used, "templates use the catalogue"
    assert used - set(catalogue_data("en")) == set()


def test_every_disposition_and_referral_status_has_text() -> None:
    from referral.lifecycle import STATUSES
    from triage.assessment import Disposition

    keys = {f"disposition.{d.value}" for d in Disposition} | {f"status.{s}" for s in STATUSES}
    assert keys - set(catalogue_data("en")) == set()


def test_text_is_chosen_per_language_with_values() -> None:
    assert catalogue("zh")("queue.urgent_count", count=2) == "2 例紧急病例需要立即处理"
    assert catalogue("en")("queue.urgent_count", count=2) == "2 urgent cases need attention now"
    assert catalogue("en")("queue.urgent_count_one") == "1 urgent case needs attention now"
    assert catalogue("fr").language == "zh", "unknown languages fall back to the default"


# ASCII ( ) , : ; beside a Chinese character, or between placeholders in a Chinese message
# ("{device}:{count} 条待处理"): the zh pages write these full-width, as the rest of the catalogue does
_HALF_WIDTH = re.compile(r"[\u4e00-\u9fff][(),:;]|[(),:;][\u4e00-\u9fff]|\}[,:;]\{")


def test_chinese_messages_use_full_width_punctuation_beside_chinese_text() -> None:
    mixed = {key: text for key, text in catalogue_data("zh").items() if _HALF_WIDTH.search(text)}
    assert mixed == {}


def test_the_chinese_pages_call_a_patient_by_one_word() -> None:
    """The Chinese pages said 病人 in some places (the heading 病人：DEMO-0002, the queue's column, the
    walk-in form) and 患者 in others (该患者没有关联的设备), once both in one sentence (该就诊已于 ... 关闭
    ... 请为该患者开...): a patient is 患者 throughout, as clinical software writes it."""
    mixed = {key: text for key, text in catalogue_data("zh").items() if "病人" in text}
    assert mixed == {}
    assert "患者" in catalogue("zh")("patient.title") and "患者" in catalogue("zh")("queue.patient")

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


#: Words the Chinese pages used for one thing in two ways, and the one they use now: a decision is
#: 处置 (as the queue's column and the decision box say it), a visit ends as 结束 (the button 结束就诊),
#: a device is attached and detached as 关联 / 解除关联 (连接 / 断开 is the device's link), a reading is
#: 读数, the NEWS2 oxygen scale is the SpO2 量表, chronic kidney disease is 慢性肾脏病, qSOFA's poor
#: outcome is 不良结局, CRB-65's intermediate band is 中风险.
_ONE_TERM = {
    "就诊的决定是": "就诊的处置是",
    "较早的决定": "较早的处置",
    "较新的决定": "较新的处置",
    "不能再记录或决定": "不能再记录或处置",
    "关闭就诊": "结束就诊",
    "该就诊已关闭": "该就诊已结束",
    "} 关闭（": "} 结束（",
    "断开的设备": "解除关联的设备",
    "设备将断开": "设备将解除关联",
    "没有连接的设备": "没有关联的设备",
    "测量值": "读数",
    "测量结果": "读数",
    "血氧饱和度量表": "SpO2 量表",
    "（量表 {scale}）": "（SpO2 量表 {scale}）",
    "（量表 2）": "（SpO2 量表 2）",
    "慢性肾病": "慢性肾脏病",
    "不良预后": "不良结局",
    "中等风险（如为肺炎": "中风险（如为肺炎",
}


def test_the_chinese_pages_say_one_thing_with_one_word() -> None:
    """A disposition was 处置 in the queue and the decision box but 决定 in the close form's warning
    and an earlier override's note; a visit was 结束 on its button and banner but 关闭 in the
    refusal of a closed visit; a device was 解除关联 on its button but 断开 in the close form's help;
    the NEWS2 oxygen scale was SpO2 量表 under the scores and 血氧饱和度量表 in the reasons beside them."""
    said = {
        key: [old for old in _ONE_TERM if old in text]
        for key, text in catalogue_data("zh").items()
        if any(old in text for old in _ONE_TERM)
    }
    assert said == {}
    zh = catalogue("zh")
    assert (
        "处置" in zh("queue.decision")
        and zh("closure.close") == "结束就诊"
        and zh("assoc.detach") == "解除关联"
    )

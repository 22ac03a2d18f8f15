"""Each decision has one name in a catalogue: a referral's urgency reads as the decision it stands
for (``referral.basis.URGENCY_DISPOSITION``), and every text that tells staff to make an emergency
transfer uses the decision's own term. The Chinese catalogue called an emergency referral 急诊
(emergency department) beside the decision 紧急转运 (emergency transfer), and an urgent one 紧急,
the first half of both 紧急转运 and 紧急转诊."""

from __future__ import annotations

import pytest

from referral.basis import URGENCY_DISPOSITION
from triage.assessment import Disposition
from triage.service.i18n import catalogue_data

LANGUAGES = ("en", "zh")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("urgency", sorted(URGENCY_DISPOSITION))
def test_a_referrals_urgency_names_its_decision_and_no_other(language: str, urgency: str) -> None:
    """The urgency is the decision's term (English 'Emergency transfer' for 'EMERGENCY TRANSFER':
    'Emergency' alone agreed with it by its first word only), in Chinese too (常规 was the beginning of
    常规转诊 where 紧急转运 and 紧急转诊 were the whole term), and the beginning of no other decision's
    term."""
    texts = catalogue_data(language)
    term = texts[f"urgency.{urgency}"].casefold()
    decisions = {d.value: texts[f"disposition.{d.value}"].casefold() for d in Disposition}
    own = URGENCY_DISPOSITION[urgency]
    assert decisions[own].startswith(term), (language, term, decisions[own])
    assert term == decisions[own], (language, term, decisions[own])
    others = [d for d, name in decisions.items() if d != own and name.startswith(term)]
    assert not others, (language, term, others)


def test_every_chinese_text_that_asks_for_an_emergency_transfer_uses_the_decisions_term() -> None:
    en, zh = catalogue_data("en"), catalogue_data("zh")
    term = zh["disposition.emergency_transfer"]
    asking = [key for key, text in en.items() if "emergency transfer" in text.casefold()]
    assert "urgency.emergency" in asking and len(asking) >= 3  # the decision, its urgency, reasons
    for key in asking:
        assert term in zh[key], (key, zh[key])

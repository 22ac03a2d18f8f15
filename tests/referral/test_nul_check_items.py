"""The referral log's NUL check (``records._holds_nul``, asked of every input it stores) reads a
dictionary's or list's texts and numbers in its own loop: it called itself again for every value
of every input - thirteen calls for a reading, whose values are nearly all numbers, texts or empty,
each call three type tests. A value that may hold more (a dictionary, a list, a text of a subclass)
is still asked in a call, so every NUL is found as before."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import pytest

from referral import records
from referral.errors import UserInputError
from referral.records import ObservationIn

from .conftest import assessment_in, counted_calls

NUL = "has a NUL character (U+0000); send the text without it"


def test_a_readings_texts_and_numbers_are_read_without_a_call_each(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = counted_calls(monkeypatch, records, "_holds_nul")
    ObservationIn(
        code="spo2",
        value_num=97.0,
        unit="%",
        observed_at="2026-12-06T09:30:00+08:00",
        status="final",
        qc=None,
        device="oximeter 王",
    )
    assert len(asked) == 1, f"asked {len(asked)} times: the input, then {asked[1:]}"


def test_only_what_may_hold_more_is_asked_in_a_call(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = counted_calls(monkeypatch, records, "_holds_nul")
    assessment_in(red_flags=["a", "b"], risks={"cvd10": 0.2}, payload={"reasons": [{"rule": "x"}], "n": 2})
    # the input; its red_flags, model_versions, risks and payload; the payload's list and its dict
    assert sorted(map(type, asked[1:]), key=str) == sorted([dict, dict, dict, dict, list, list], key=str)


class _Text(StrEnum):
    broken = "b\x00"


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (
            lambda: ObservationIn(
                code="spo2", value_text=_Text.broken, observed_at="2026-12-06T09:30:00+08:00"
            ),
            "value_text",
        ),
        (lambda: assessment_in(red_flags=["ok", _Text.broken]), "red_flags[1]"),
        (lambda: assessment_in(payload={"reasons": [{"detail": _Text.broken}]}), "payload.reasons[0].detail"),
        (
            lambda: assessment_in(payload={"n": 1, "reasons": [[1.5, None, True, "ok", "\x00"]]}),
            "payload.reasons[0][4]",
        ),
        (lambda: assessment_in(payload={"reasons": [{"de\x00tail": 1.5}]}), "payload.reasons[0]"),
    ],
)
def test_a_nul_in_a_text_of_a_subclass_or_deep_in_a_list_is_still_refused(make: Any, said: str) -> None:
    with pytest.raises(UserInputError, match=f"^{re.escape(f'{said}: {NUL}')}$"):
        make()

"""A unit written exactly as one of its spellings - ``%``, ``/min``, ``mm[Hg]``, ``mmHg``, ``Cel``,
what nearly every reading carries - is read as that unit without the letter-case comparisons
(``referral.device_results.case_alike``: two regular-expression substitutions and a capitals test
for every spelling), which only another case of it needs; every reading of a walk-in paid them. What
any unit reads as, or is refused as, is unchanged (``test_unit_letter_case`` has the case rules)."""

from __future__ import annotations

import pytest

from referral.device_results import case_alike
from triage import units
from triage.units import _ALIASES, _WRITTEN, normalize_unit


def _as_before(unit: str) -> str:
    """``normalize_unit`` as it was: every spelling compared through ``case_alike``."""
    stripped = unit.strip()
    ucum = _ALIASES.get(stripped.lower())
    if ucum is None:
        return stripped
    alias = stripped.lower()
    written = {stripped.replace("\u00b5", u).replace("\u03bc", u) for u in ("u", "U")}
    if any(case_alike(w, spelt) for w in written for spelt in (alias, ucum, *_WRITTEN.get(alias, ()))):
        return ucum
    return stripped


def _spellings() -> list[str]:
    found: set[str] = set()
    for alias, ucum in _ALIASES.items():
        for text in (alias, ucum, *_WRITTEN.get(alias, ())):
            found |= {
                text,
                text.upper(),
                text.lower(),
                text.title(),
                f" {text} ",
                text.replace("u", "\u00b5"),
            }
            found |= {text.replace("u", "\u03bc"), text.replace("l", "L"), text.replace("L", "l")}
    return sorted(found)


def test_a_unit_written_as_spelt_is_read_without_case_comparisons(monkeypatch: pytest.MonkeyPatch) -> None:
    def compared(unit: str, other: str) -> bool:
        raise AssertionError(f"compared {unit!r} with {other!r} letter case by letter case")

    monkeypatch.setattr(units, "case_alike", compared)
    for unit, ucum in [
        ("%", "%"),
        ("/min", "/min"),
        ("mm[Hg]", "mm[Hg]"),
        ("mmHg", "mm[Hg]"),
        ("Cel", "Cel"),
    ]:
        assert normalize_unit(unit) == ucum
    assert normalize_unit("mmol/L") == "mmol/L"


def test_every_spelling_of_every_alias_reads_as_before() -> None:
    spellings = _spellings()
    assert len(spellings) > 100
    for unit in spellings:
        assert normalize_unit(unit) == _as_before(unit), unit

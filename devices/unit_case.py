"""Whether a device's unit is a unit its profile lists, written in another letter case that UCUM
reads alike. Pure functions, no I/O.

UCUM has two forms (https://ucum.org/ucum, section 2.1): the case-sensitive one the profiles use
("mmol/L", "mg/dL", "mU/L") and a case-insensitive one in capitals ("MMOL/L", "MG/DL", "MU/L"),
which many analyzers send in ASTM R.5 and HL7 OBX-6. Two spellings are taken as one unit:

* the litre written ``l`` or ``L`` ("mmol/l", "U/l", "umol/l": the cobas c311 trace): UCUM's
  case-sensitive form has both for the litre;
* a listed unit written all in capitals, UCUM's case-insensitive form ("MMOL/L" for "mmol/L") -
  unless its capitals, read case-sensitively, are another unit of the same kind: an ``M`` or ``P``
  before ``L``, ``U`` or ``[IU]`` is milli or pico in the case-insensitive form and mega or peta
  in the case-sensitive one ("MU/L": milli-units or mega-units per litre, a factor of 10^9). Such a
  unit is held with that said, never taken: only the device's manual can tell.

Any other difference (``Mg/dL``, a capital letter in a unit not written all in capitals) is no
UCUM form of the listed unit and is not taken either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from referral.errors import json_text

#: A litre alone or after a prefix letter ("l", "dl", "ul", "ml"), as an atom of its own.
_LITRE = re.compile(r"(?<![A-Za-z\[])([a-zA-Z]?)l(?![A-Za-z\]])")
#: An atom of a unit: letters, with a bracketed symbol ("[IU]", "[HG]").
_ATOM = re.compile(r"[A-Za-z]*(?:\[[^\]]*\])?[A-Za-z]*")
#: Atoms whose capitals read as another unit of the same kind case-sensitively (milli/pico in the
#: case-insensitive form, mega/peta in the case-sensitive one, of litres and units).
_TWO_READINGS = re.compile(r"[MP](?:L|U|\[IU\])")

#: Where each protocol's codec takes a result's unit from, to name the field in a held reason.
UNIT_FIELD = {"astm": "R.5", "hl7": "OBX-6", "poct1a": "the observation's U attribute"}


def _litre_as_l(unit: str) -> str:
    return _LITRE.sub(lambda m: f"{m.group(1)}L", unit)


def _capitals(unit: str) -> bool:
    return any(c.isalpha() for c in unit) and not any(c.islower() for c in unit)


def two_readings(unit: str) -> str | None:
    """The atom of ``unit`` (capitals) that reads as another unit case-sensitively, if any."""
    return next((a for a in _ATOM.findall(unit) if a and _TWO_READINGS.fullmatch(a)), None)


def listed_as(device_unit: str, listed: Iterable[str]) -> str | None:
    """The listed unit ``device_unit`` is, written in another case UCUM reads alike (see the
    module's docstring); None when it is none of them, or could be either of two units."""
    units = [u for u in listed if u]
    litre = _litre_as_l(device_unit)
    same = [u for u in units if _litre_as_l(u) == litre]
    if not same and _capitals(device_unit) and two_readings(device_unit) is None:
        same = [u for u in units if _litre_as_l(u).upper() == litre.upper()]
    return same[0] if len({_litre_as_l(u) for u in same}) == 1 else None


def ambiguous_capitals(device_unit: str, listed: Iterable[str], protocol: str) -> tuple[str, str] | None:
    """Why ``device_unit`` in capitals is not taken as the listed unit it spells, when it reads as
    another unit case-sensitively ("MU/L": mU/L or MU/L), and that listed unit; None otherwise."""
    atom = two_readings(device_unit) if _capitals(device_unit) else None
    spelt = [u for u in listed if u and _litre_as_l(u).upper() == _litre_as_l(device_unit).upper()]
    if atom is None or not spelt:
        return None
    field = UNIT_FIELD.get(protocol, "its unit")
    small, large = ("milli", "mega") if atom[0] == "M" else ("pico", "peta")
    return (
        f"{json_text(device_unit)} in {field} is {json_text(spelt[0])} in UCUM's case-insensitive form"
        f" ({atom[0]} = {small}) but another unit case-sensitively ({atom[0]} = {large}), so it is not"
        f" taken as {json_text(spelt[0])}",
        spelt[0],
    )

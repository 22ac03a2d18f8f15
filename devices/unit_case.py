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
UCUM form of the listed unit and is not taken either. The rule itself is
``referral.device_results.case_alike`` (the inbox's status changes need it too, below devices):
one place decides whether two spellings are one unit.
"""

from __future__ import annotations

from collections.abc import Iterable

from referral.device_results import capitals, case_alike, litre_as_l, readings, two_readings
from referral.errors import json_text

#: Where each protocol's codec takes a result's unit from, to name the field in a held reason.
UNIT_FIELD = {"astm": "R.5", "hl7": "OBX-6", "poct1a": "the observation's U attribute"}


def listed_as(device_unit: str, listed: Iterable[str]) -> str | None:
    """The listed unit ``device_unit`` is, written in another case UCUM reads alike (see the
    module's docstring); None when it is none of them, or could be either of two units."""
    units, litre = [u for u in listed if u], litre_as_l(device_unit)
    same = [u for u in units if litre_as_l(u) == litre] or [u for u in units if case_alike(device_unit, u)]
    return same[0] if len({litre_as_l(u) for u in same}) == 1 else None


def ambiguous_capitals(device_unit: str, listed: Iterable[str], protocol: str) -> tuple[str, str] | None:
    """Why ``device_unit`` in capitals is not taken as the listed unit it spells, when it reads as
    another unit case-sensitively ("MU/L": mU/L or MU/L), and that listed unit; None otherwise."""
    atom = two_readings(device_unit) if capitals(device_unit) else None
    spelt = [u for u in listed if u and litre_as_l(u).upper() == litre_as_l(device_unit).upper()]
    if atom is None or not spelt:
        return None
    field = UNIT_FIELD.get(protocol, "its unit")
    small, large = readings(atom)
    return (
        f"{json_text(device_unit)} in {field} is {json_text(spelt[0])} in UCUM's case-insensitive form"
        f" ({atom[0]} = {small}) but another unit case-sensitively ({atom[0]} = {large}), so it is not"
        f" taken as {json_text(spelt[0])}",
        spelt[0],
    )

"""A device profile's [mapping] table checked against the triage vocabulary when `triage devices
listen` or `replay` reads the profile (the devices package does not know the vocabulary)."""

from __future__ import annotations

from pathlib import Path

from devices.profile import DeviceProfile, load_profile
from triage.errors import UnitError, UnknownCodeError, UserInputError, json_text
from triage.units import resolve_unit
from triage.vocabulary import CONCEPTS, Kind, concept


def check_mapping(profile: DeviceProfile, given: str) -> None:
    """Each entry's ``code``, ``unit`` (without one, each of its ``device_units``: they go to triage
    as sent) and ``answers`` must be ones triage takes. A typo there was
    found only when the device sent that test: every such result quarantined ("unknown observation
    code 'wbcc'") instead of the profile refused at the start. ``given`` names the profile as the
    user gave it (``--profile FILE``), as :func:`devices.profile.load_profile`'s errors do."""
    for vendor, entry in profile.mapping.items():
        where = f"{given}: invalid device profile: mapping.{vendor}"
        try:
            known = concept(entry.code)
        except UnknownCodeError:
            raise UserInputError(
                f"{where}.code: unknown observation code {json_text(entry.code)}; known codes: "
                f"{', '.join(sorted(CONCEPTS))}"
            ) from None
        # without a unit, each unit listed goes to triage as sent: a typo there held every result
        key, units = (
            ("unit", (entry.unit,)) if entry.unit is not None else ("device_units", entry.device_units)
        )
        for unit in units:
            try:
                resolve_unit(entry.code, unit)
            except UnitError as exc:
                raise UserInputError(f"{where}.{key}: {exc}") from None
        if known.kind is Kind.CODED:
            for answer in entry.answers.values():
                if answer not in known.answers:
                    raise UserInputError(
                        f"{where}.answers: {json_text(answer)} is not an answer of {entry.code} "
                        f"(one of: {', '.join(known.answers)})"
                    )


def read_profile(path: Path | str, *, option: str = "") -> DeviceProfile:
    """:func:`devices.profile.load_profile`, then :func:`check_mapping`."""
    profile = load_profile(path, option=option)
    check_mapping(profile, f"{option} {path}" if option else str(path))
    return profile

"""One entry point for the gateway: a complete message's bytes -> results and quarantine."""

from __future__ import annotations

from datetime import datetime

from devices.codecs import astm_records, gatt_records, hl7, lines, poct1a_results
from devices.device_clock import hold_mistimed
from devices.profile import DeviceProfile
from devices.results import DeviceResult, NoResultLine, Quarantine
from devices.tolerance import ToleranceCounter


def decode_message(
    profile: DeviceProfile,
    raw: bytes,
    *,
    counter: ToleranceCounter | None = None,
    base_offset: int = 0,
    received_at: datetime | None = None,
    no_result: list[NoResultLine] | None = None,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """Decode one complete message (ASTM: joined frame text H..L; HL7: the message inside MLLP;
    line: one line or packet; POCT1-A2: one XML message; BLE: one record's GATT lines) with the
    profile's protocol. ``received_at`` (live only: when the gateway received the message) holds
    every result whose device time is too far from it (``devices.device_clock``) and lets the BLE
    codec hold a stored record that is older than the profile allows. ``no_result``, when given,
    gets the HL7 OBX lines that carried no result (``devices.results.NoResultLine``). Never raises
    for bad device data."""
    if profile.protocol == "astm":
        decoded = astm_records.decode_message(profile, raw, counter=counter, base_offset=base_offset)
    elif profile.protocol == "hl7":
        decoded = hl7.decode_message(
            profile, raw, counter=counter, base_offset=base_offset, no_result_lines=no_result
        )
    elif profile.protocol == "poct1a":
        decoded = poct1a_results.decode_message(profile, raw, counter=counter, base_offset=base_offset)
    elif profile.protocol == "ble":
        decoded = gatt_records.decode_message(
            profile, raw, counter=counter, base_offset=base_offset, received_at=received_at
        )
    else:
        decoded = lines.decode_message(profile, raw, counter=counter, base_offset=base_offset)
    if received_at is None:
        return decoded
    results, quarantined = decoded
    return hold_mistimed(profile, results, received_at), quarantined

"""Arkray SPOTCHEM EL printer-style output: ``STX YY/MM/DD HH:MM ID# <id> [<specimen>] <analyte>
<value> <unit> ... ETX``, fixed-width text with runs of spaces, no frame number, no checksum.

Because there is no checksum, the grammar is strict: the whole text between the ID/specimen
header and ETX must be analyte/value/unit triples, otherwise the packet is quarantined.
"""

from __future__ import annotations

import re
from datetime import datetime

from devices.mapping import Fields, build_result
from devices.profile import DeviceProfile
from devices.results import DeviceResult, Quarantine, message_id
from devices.tolerance import ToleranceCounter
from referral.errors import json_text

_HEAD = re.compile(
    r"^\s*(?P<date>\d{2}/\d{2}/\d{2})\s+(?P<time>\d{2}:\d{2})\s+ID#\s*(?P<sid>\S+)\s+\[(?P<spec>[^\]]*)\]"
)
#: what a packet holds, and the question a refusal of one asks (a capture of another device, or
#: another profile's, replayed with this one)
_FORM = "'YY/MM/DD HH:MM ID# <id> [<specimen>] <analyte> <value> <unit> ...'"
_WHICH = " (is it the SPOTCHEM EL's output, and its profile the device's?)"
_TRIPLE = re.compile(
    r"\s*(?P<name>[A-Za-z][A-Za-z0-9+-]*)\s+(?P<value>[<>]?-?\d+(?:\.\d+)?|-{2,})\s+(?P<unit>\S+)"
)


def decode_message(
    profile: DeviceProfile,
    raw: bytes,
    *,
    counter: ToleranceCounter | None = None,
    base_offset: int = 0,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    counter = counter or ToleranceCounter()
    dev = profile.device_id
    packet = raw.rstrip(b"\r\n")
    if len(packet) < 2 or packet[0] != 0x02 or packet[-1] != 0x03:
        start = len(packet) < 2 or packet[0] != 0x02
        at, byte = (0, packet[:1]) if start else (len(packet) - 1, packet[-1:])
        found = f"0x{byte[0]:02X}" if byte else "nothing"
        detail = (
            f"the packet {'starts' if start else 'ends'} with {found}, not {'STX (0x02)' if start else 'ETX (0x03)'}:"
            f" a SPOTCHEM EL packet is STX {_FORM} ETX{_WHICH}"
        )
        return [], [Quarantine("unparseable_message", raw, base_offset + at, dev, detail)]
    try:
        text = packet[1:-1].decode(profile.encoding)
    except UnicodeDecodeError as exc:
        detail = f"byte 0x{packet[1 + exc.start]:02X} at {base_offset + 1 + exc.start} is not valid {profile.encoding}"
        return [], [Quarantine("undecodable_bytes", raw, base_offset, dev, detail)]
    head = _HEAD.match(text)
    if head is None:
        detail = (
            f"the packet begins {json_text(text[:40].strip())}, not the header 'YY/MM/DD HH:MM ID# <id>"
            f" [<specimen>]' of a SPOTCHEM EL packet ({_FORM}){_WHICH}"
        )
        return [], [Quarantine("unparseable_message", raw, base_offset + 1, dev, detail)]
    try:
        when = datetime.strptime(f"{head['date']} {head['time']}", "%y/%m/%d %H:%M").replace(
            tzinfo=profile.zone
        )
    except ValueError:
        stamp = json_text(f"{head['date']} {head['time']}")
        detail = f"the header's date and time {stamp} is no date (YY/MM/DD HH:MM): check the analyzer's clock"
        return [], [Quarantine("bad_timestamp", raw, base_offset + 1 + head.start("date"), dev, detail)]
    pos = head.end()
    triples = []
    while pos < len(text) and text[pos:].strip():
        m = _TRIPLE.match(text, pos)
        if m is None:
            detail = f"character {pos + 1}: cannot read analyte value unit from {json_text(text[pos : pos + 30].strip())}"
            return [], [Quarantine("unparseable_message", raw, base_offset + 1 + pos, dev, detail)]
        triples.append((m["name"], m["value"], m["unit"], base_offset + 1 + m.start("name")))
        pos = m.end()
    mid = message_id(raw)
    results: list[DeviceResult] = []
    problems: list[Quarantine] = []
    for name, value, unit, offset in triples:
        f = Fields(
            protocol="line",
            message_id=mid,
            sample_id=head["sid"],
            patient_id=None,
            vendor_code=name,
            raw_value=value,
            device_unit=unit,
            status="final",
            qc=False,
            flags=(),
            observed_at=when,
            reference_range=None,
            byte_offset=offset,
            comments=(head["spec"].strip(),) if head["spec"].strip() else (),
        )
        result, problem = build_result(f, profile, counter, raw)
        results.append(result)
        if problem is not None:
            problems.append(problem)
    return results, problems

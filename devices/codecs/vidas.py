"""bioMérieux mini VIDAS result packets: ``STX RS tag value | RS tag value | ... GS c1 c2``.

Each field is a two-letter tag followed by its value and ``|``, fields separated by RS (0x1E).
The two characters after GS are a hex checksum: the sum of the bytes after STX up to and
including GS, modulo 256 (the device sends lowercase hex; both cases are accepted because that
is the vendor's own format, and the value is always verified). Dates are ``MM/DD/YY``, times
``HH:MM``. Tags used: ``mt`` message type (``rsl`` = result), ``pi`` patient id, ``ci`` sample id,
``rt`` test code, ``rn`` test name, ``td``/``tt`` date/time, ``qn`` quantitative value (index),
``ql`` qualitative result. One packet yields ``<rt>`` (``qn``) and ``<rt>/ql`` (``ql``) results.
"""

from __future__ import annotations

from datetime import datetime

from devices.mapping import Fields, build_result
from devices.profile import DeviceProfile
from devices.results import DeviceResult, Quarantine, message_id
from devices.tolerance import ToleranceCounter
from referral.errors import json_text

STX, RS, GS = 0x02, 0x1E, 0x1D


def checksum(body: bytes) -> str:
    return f"{sum(body) & 0xFF:02x}"


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
    gs = packet.rfind(bytes([GS]))
    if not packet or packet[0] != STX or gs < 0 or len(packet) != gs + 3:
        return [], [
            Quarantine("unparseable_message", raw, base_offset, dev, "not an STX ... GS cc VIDAS packet")
        ]
    sent = packet[gs + 1 :].decode("latin-1")
    expected = checksum(packet[1 : gs + 1])
    if sent.lower() != expected:
        detail = f"checksum mismatch: packet says {json_text(sent)}, computed {json_text(expected)}"
        return [], [Quarantine("checksum_mismatch", raw, base_offset + gs + 1, dev, detail)]
    try:
        packet[1:gs].decode(profile.encoding)  # all of it, before the fields are cut at RS
    except UnicodeDecodeError as exc:
        at_byte = base_offset + 1 + exc.start
        detail = f"byte 0x{packet[1 + exc.start]:02X} at {at_byte} is not valid {profile.encoding}"
        return [], [Quarantine("undecodable_bytes", raw, at_byte, dev, detail)]
    tags: dict[str, str] = {}
    at: dict[str, int] = {}  # where each field's tag starts (the result's byte_offset)
    end = base_offset + 1  # the byte after STX
    for item_bytes in packet[1:gs].split(b"\x1e"):
        here, end = end, end + len(item_bytes) + 1
        item = item_bytes.decode(profile.encoding)
        if not item:
            continue
        if len(item) < 3 or not item.endswith("|"):
            detail = f"bad VIDAS field {json_text(item)} (a field is RS, a two-letter tag, its value and |)"
            return [], [Quarantine("unparseable_message", raw, here, dev, detail)]
        tags[item[:2]] = item[2:-1]
        at[item[:2]] = here
    if tags.get("mt") != "rsl":
        return [], []  # not a result packet (nothing to report)
    when = None
    if tags.get("td"):
        try:
            when = datetime.strptime(f"{tags['td']} {tags.get('tt', '00:00')}", "%m/%d/%y %H:%M").replace(
                tzinfo=profile.zone
            )
        except ValueError:
            time = json_text(tags["tt"]) if "tt" in tags else "(no tt field)"
            detail = (
                f"date {json_text(tags['td'])} time {time} is not MM/DD/YY HH:MM; check the device's "
                "date format setting"
            )
            return [], [Quarantine("bad_timestamp", raw, at["td"], dev, detail)]
    test = tags.get("rt", "").strip()
    if not test:
        return [], [
            Quarantine("unparseable_message", raw, base_offset, dev, "VIDAS result without rt (test code)")
        ]
    mid = message_id(raw)
    results: list[DeviceResult] = []
    problems: list[Quarantine] = []
    for code, tag in ((test, "qn"), (f"{test}/ql", "ql")):
        value = tags.get(tag, "")
        f = Fields(
            protocol="line",
            message_id=mid,
            sample_id=tags.get("ci", "").strip() or None,
            patient_id=tags.get("pi", "").strip() or None,
            vendor_code=code,
            raw_value=value,
            device_unit=None,
            status="final",
            qc=False,
            flags=(),
            observed_at=when,
            reference_range=None,
            byte_offset=at.get(tag, at["rt"]),
            comments=(tags["rn"],) if tags.get("rn") else (),
        )
        result, problem = build_result(f, profile, counter, raw)
        results.append(result)
        if problem is not None:
            problems.append(problem)
    return results, problems

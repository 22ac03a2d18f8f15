"""From decoded vendor fields to :class:`~devices.results.DeviceResult`: value normalisation,
status, device time and the profile's mapping table. Pure functions shared by every codec."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from devices.profile import DeviceProfile, MappingEntry
from devices.results import DELETE, IGNORED, NO_VALUE, DeviceResult, FixSays, Quarantine, ResultStatus
from devices.tolerance import ToleranceCounter
from devices.unit_case import ambiguous_capitals, listed_as
from referral.device_results import litre_as_l, same_unit  # the inbox compares units with it too
from referral.errors import json_text

_DECIMAL_COMMA = re.compile(r"^([<>]=?)?\s*[-+]?\d+,\d+$")
_NUMBER = re.compile(r"^([<>]=?)?\s*([-+]?(?:\d+\.?\d*|\.\d+))$")
_TS = re.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.\d+)?)?)?\s*(?:([+-])(\d{2})(\d{2}))?$"
)

#: LIS2-A2 R.9 / HL7 OBX-11 result status -> our status. Anything else is preliminary: ASTM I
#: (pending), S (partial), M (MIC level), N (information for a new order), Q (answer to a query) and
#: W ("warning: validity is questionable", E1394 9.4.9 - not "previously transmitted", which is R;
#: the ASTM codec flags it ``validity_questionable`` so the hold says why). HL7 W is another thing:
#: "post original as wrong, e.g. transmitted for wrong patient" (HL7 v2.5 table 0085) - ``withdrawn``,
#: which withdraws the stored result it names (same key) instead of being one more result; so does
#: HL7 D, "deletes the OBX record" (it was ``cannot_be_done``, X's meaning, and dropped as a resend).
#: HL7 U, "results status change to final without retransmitting results already sent as
#: preliminary", is final (the codec flags it: its empty value keeps the stored one); so is v2.8's B
#: (appended report, result values unchanged), and its A (amended for the patient's demographics)
#: corrects the stored result. I, N and O carry no result (``devices.results.NO_RESULT_STATUS``).
_FINAL = {"F", "R", "V"}
_STATUS: dict[str, ResultStatus] = {"C": "corrected", "X": "cannot_be_done", "D": "cannot_be_done"}
_HL7_STATUS: dict[str, ResultStatus] = {
    **_STATUS,
    "W": "withdrawn",
    "D": "withdrawn",
    "U": "final",
    # v2.8: B "appended report - final results reviewed ... without change to the original result
    # values"; A "amended based on adjustments provided by the placer regarding patient demographics"
    "B": "final",
    "A": "corrected",
}


def result_status(
    code: str, profile: DeviceProfile, counter: ToleranceCounter, protocol: str = "astm"
) -> ResultStatus:
    """Map a one-letter status; empty is preliminary unless ``missing_result_status`` is on.
    ASTM ``R`` (previously transmitted) is final; HL7 ``R`` (not verified) is preliminary. ASTM
    ``W`` (validity questionable) is preliminary; HL7 ``W`` (posted as wrong) and ``D`` (deletes
    the OBX record) are ``withdrawn``."""
    c = code.strip().upper()[:1]
    if not c:
        if profile.tolerance.missing_result_status:
            counter.fire(profile.device_id, "missing_result_status")
            return "final"
        return "preliminary"
    if c in _FINAL and not (protocol == "hl7" and c == "R"):
        return "final"
    return (_HL7_STATUS if protocol == "hl7" else _STATUS).get(c, "preliminary")


@lru_cache(maxsize=4096)
def parse_timestamp(text: str, zone: ZoneInfo) -> datetime | None:
    """``YYYYMMDD[HHMM[SS[.s]]][+-HHMM]`` in the device's zone (``zone`` when none is given).
    Returns None for an empty field; raises ValueError for anything else that is not a time."""
    t = text.strip()
    if not t:
        return None
    m = _TS.match(t)
    if not m:
        raise ValueError(f"not a timestamp (YYYYMMDDHHMMSS): {json_text(t)}")
    y, mo, d, h, mi, s, sign, zh, zm = m.groups()
    tz: timezone | ZoneInfo = zone
    if sign:
        delta = timedelta(hours=int(zh), minutes=int(zm))
        tz = timezone(delta if sign == "+" else -delta)
    return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)


def normalise_value(
    text: str, profile: DeviceProfile, counter: ToleranceCounter
) -> tuple[str, tuple[str, ...]]:
    """Strip padding; "no value" tokens become empty (flag ``no_value``), never zero; a decimal
    comma becomes a point only when the profile's ``decimal_comma`` switch is on."""
    value = text.strip()
    if value == '""':
        return "", (DELETE,)
    if not value or value in profile.no_value_tokens or not value.strip("-"):
        return "", (NO_VALUE,)
    if "," in value and _DECIMAL_COMMA.match(value) and profile.tolerance.decimal_comma:
        counter.fire(profile.device_id, "decimal_comma")  # not the value: ordinary logs carry no results
        value = value.replace(",", ".")
    return value, ()


def _accept_unit(
    vendor_code: str, device_unit: str, entry: MappingEntry, protocol: str = ""
) -> tuple[str, FixSays]:
    """What to change in the profile for the mapping of ``vendor_code`` to take ``device_unit``:
    the table, the key and its whole new value, to be set only once the site confirms what the
    unit is - ``if "1" is 10*9/L on this device, set [mapping."WBC"] device_units = [..., "1"]``.
    A listed spelling is relabelled as the mapping's ``unit``, so that is proposed only for the same
    unit written differently (``referral.device_results.same_unit``: "mg / dl" for "mg/dL", "mmHg" for
    "mm[Hg]"; not "MU/L" for "mU/L"), a code that
    is no unit written out (digits: "1", a unit-system code) or a value sent without a unit; any
    other unit ("mg/mmol", "mg/dL", "%") is never proposed as another unit whose values differ (mg/g,
    mmol/L, mmol/mol): it is listed to go to triage as sent, which converts it or refuses it.
    A listed unit in another letter case UCUM does not read alike ("Mg/dL", a megagram
    case-sensitively, which triage refuses as sent: ``triage.units.case_refused``) is proposed only
    as a relabel once the site confirms it, with the mapping's ``unit`` set if it has none.
    Returns the advice in English and what the pages say it from (:data:`FixSays`)."""
    setting = unit_setting(vendor_code, entry.device_units, device_unit)
    scale = "" if entry.scale is None else format(entry.scale, "g")

    def says(kind: str, mapping_unit: str = entry.unit or "") -> FixSays:
        return ("kind", kind), ("mapping_unit", mapping_unit), ("scale", scale)

    if entry.scale is not None and not entry.device_units:
        sent = f"{json_text(device_unit)} is" if device_unit else "a value sent without a unit is in"
        return (
            f"if {sent} a unit the scale {entry.scale} applies to on this device, set {setting} in the profile",
            says("scale_unit" if device_unit else "scale_no_unit"),
        )
    if not device_unit:
        if entry.unit is None:  # "" listed would go to triage as no unit: the vocabulary's own
            return "set the device to send the unit of its values: a value without one is not taken", says(
                "send_unit"
            )
        return (
            f"if a value sent without a unit is in {entry.unit} on this device, set {setting} in the profile",
            says("no_unit"),
        )
    two = ambiguous_capitals(device_unit, (entry.unit or "", *entry.device_units), protocol)
    if two is not None:  # "MU/L": mU/L or MU/L - the device's manual tells
        said, spelt = two
        return (
            f"{said}: once the site confirms that it is {spelt} on this device, set {setting} in the profile",
            says("relabel", spelt),
        )
    cased = next(
        (
            u
            for u in (entry.unit, *entry.device_units)
            if u and litre_as_l(u).upper() == litre_as_l(device_unit).upper()
        ),
        None,
    )
    if cased is not None and not same_unit(cased, device_unit):  # "Mg/dL": a megagram case-sensitively
        spelt = entry.unit or cased
        case = f"{json_text(device_unit)} is not {json_text(spelt)}: a unit's letter case counts, and triage refuses it"
        if entry.unit is not None:
            return (
                f"{case}: once the site confirms that it is {spelt} on this device, set {setting} in the profile",
                says("relabel", spelt),
            )
        return (
            f"{case}: once the site confirms that it is {spelt} on this device, set {setting} and"
            f" unit = {json_text(spelt)} in the profile",
            says("relabel_set_unit", spelt),
        )
    same = next((u for u in (entry.unit, *entry.device_units) if u and same_unit(u, device_unit)), None)
    if same is not None:  # one unit written another way: its values are in the mapping's unit
        unit = entry.unit or same
        return (
            f"{json_text(device_unit)} is {json_text(unit)} written differently: set {setting} in the profile",
            says("spelling", unit),
        )
    if entry.unit is not None and device_unit.isdigit():
        return (
            f"if {json_text(device_unit)} is {entry.unit} on this device, set {setting} in the profile",
            says("relabel"),
        )
    unset = "" if entry.unit is None else f" and remove its unit = {json_text(entry.unit)}"
    return (
        f"if the values are in {json_text(device_unit)} on this device, set {setting}{unset} in the"
        " profile: each unit listed then goes to triage as sent, which converts it or refuses it",
        says("as_sent_unset" if unset else "as_sent"),
    )


def unit_setting(vendor_code: str, device_units: tuple[str, ...] | list[str], device_unit: str) -> str:
    """The profile line that takes ``device_unit`` for ``vendor_code``: its mapping table's key and
    whole new value (``[mapping."WBC"] device_units = ["10*3/uL", "1"]``)."""
    return f"[mapping.{json_text(vendor_code)}] device_units = {json_text([*device_units, device_unit])}"


@dataclass(slots=True)
class Fields:
    """One result's fields as decoded by a codec, before mapping."""

    protocol: str
    message_id: str
    sample_id: str | None
    patient_id: str | None
    vendor_code: str
    raw_value: str
    device_unit: str | None
    status: ResultStatus
    qc: bool
    flags: tuple[str, ...]
    observed_at: datetime | None
    reference_range: str | None
    byte_offset: int | None
    comments: tuple[str, ...] = ()


def build_result(
    f: Fields, profile: DeviceProfile, counter: ToleranceCounter, raw: bytes
) -> tuple[DeviceResult, Quarantine | None]:
    """Apply normalisation and the mapping table; unmapped or wrong-unit results also yield a
    :class:`Quarantine` (the result is still returned, with ``code=None``, and the quarantine
    item says so: ``with_result``)."""
    value, extra = normalise_value(f.raw_value, profile, counter)
    flags = f.flags + extra
    entry = profile.mapping.get(f.vendor_code)
    code: str | None = None
    unit = f.device_unit or None
    scale: float | None = None
    problem: Quarantine | None = None
    fix: str | None = None
    fix_says: FixSays = ()
    if entry is None:
        if f.vendor_code in profile.ignored_codes:
            flags += (IGNORED,)
        elif not f.qc:
            problem = Quarantine(
                "unmapped_code",
                raw,
                f.byte_offset,
                profile.device_id,
                f"sample {f.sample_id or '(none)'} test {json_text(f.vendor_code)}: vendor code not in the mapping table of profile {json_text(profile.device_id)}",
            )
    else:
        device_unit = (f.device_unit or "").strip()
        if entry.device_units and device_unit not in entry.device_units:
            # the litre's l, or UCUM's case-insensitive capitals: one of the units listed (unit_case)
            device_unit = listed_as(device_unit, entry.device_units) or device_unit
        if entry.device_units and device_unit not in entry.device_units:
            fix, fix_says = _accept_unit(f.vendor_code, device_unit, entry, f.protocol)
            problem = Quarantine(
                "unexpected_unit",
                raw,
                f.byte_offset,
                profile.device_id,
                f"sample {f.sample_id or '(none)'} test {json_text(f.vendor_code)}: device unit {json_text(device_unit)}, profile expects one of {json_text(list(entry.device_units))} "
                f"({fix})",
            )
        else:
            code = entry.code
            # The profile's unit stands for the device's unit text only when the device sends none
            # or one of the listed spellings; any other unit goes to triage as sent, which
            # converts it (kPa -> mmHg) or rejects it - a unit is never silently relabelled.
            if device_unit and not entry.device_units:
                unit = device_unit
                if entry.scale is not None:
                    fix, fix_says = _accept_unit(f.vendor_code, device_unit, entry)
                    problem = Quarantine(
                        "unexpected_unit",
                        raw,
                        f.byte_offset,
                        profile.device_id,
                        f"sample {f.sample_id or '(none)'} test {json_text(f.vendor_code)}: device unit {json_text(device_unit)} is not one the profile's scale {entry.scale} "
                        f"applies to ({fix})",
                    )
                    code = None
            else:
                unit = entry.unit if entry.unit is not None else (device_unit or None)
            scale = entry.scale if code is not None else None
            if code is not None and entry.answers and value:
                answers = {k.casefold(): v for k, v in entry.answers.items()}
                value = answers.get(value.casefold(), value)
            if scale is not None and value:
                m = _NUMBER.match(value)
                if m is None:
                    problem = Quarantine(
                        "unscalable_value",
                        raw,
                        f.byte_offset,
                        profile.device_id,
                        f"sample {f.sample_id or '(none)'} test {json_text(f.vendor_code)}: value {json_text(value)} is not a number, cannot apply scale {scale}",
                    )
                    code = None
                else:
                    value = f"{m.group(1) or ''}{float(m.group(2)) * scale:.10g}"
    result = DeviceResult(
        device_id=profile.device_id,
        protocol=f.protocol,
        message_id=f.message_id,
        sample_id=f.sample_id,
        patient_id=f.patient_id,
        vendor_code=f.vendor_code,
        code=code,
        value=value,
        unit=unit,
        # "" deletes the stored value (LIS2-A2 5.4.9; HL7's "" null likewise): a withdrawal of the
        # result with this key, as HL7 W - as a value it was dropped as a resend of the one it deletes
        status="withdrawn" if DELETE in extra else f.status,
        qc=f.qc,
        flags=flags,
        observed_at=f.observed_at,
        reference_range=f.reference_range,
        byte_offset=f.byte_offset,
        raw_value=f.raw_value,
        device_unit=f.device_unit,
        scale=scale,
        comments=f.comments,
        problem=problem.reason if problem is not None else None,
        expected_units=entry.device_units if fix is not None and entry is not None else (),
        fix=fix,
        fix_says=fix_says,
    )
    # Every problem found here belongs to a result that is kept (with code None), so it is
    # counted with the results, not as something that failed to become one.
    return result, (replace(problem, with_result=True) if problem is not None else None)

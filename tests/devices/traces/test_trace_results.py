"""Every result of the 14 real captures lands with its value, unit, flags, status and time.

The 12 ASTM captures are checked against a deliberately naive reading of the same file (frames
stripped, records split on CR/LF, fields on the header's delimiters): one result per R record, in
order, with R.4 as the value, R.5 as the unit, R.7's repeats as the flags, R.9 as the status and
R.13 (else R.12, else O.7 or O.23, else H.14) as the time in the profile's zone. The golden files pin the
same values but not the times; this test derives all of them from the capture. The two vendor
line protocols (mini VIDAS, SPOTCHEM) are checked against the values read off the capture by hand.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from devices.profile import load_profile
from tests.devices.traces.golden_io import DATA, RECEIVED_AT, TRACES
from triage.intake import replay_capture

ASTM = sorted(t for t in TRACES if t.endswith(".astm"))
_FRAME = re.compile(rb"\x02[0-7](.*?)[\x03\x17]", re.DOTALL)
#: LIS2-A2 R.9 as docs/devices.md maps it (ASTM R = previously transmitted = final)
#: flags the codec adds to the device's own (docs/devices.md)
ADDED = {"no_value", "delete_value", "incomplete_message", "ignored_by_profile", "validity_questionable"}
STATUS = {
    "F": "final",
    "R": "final",
    "V": "final",
    "C": "corrected",
    "X": "cannot_be_done",
    "D": "cannot_be_done",
}


def naive_records(data: bytes) -> list[str]:
    text = b"".join(_FRAME.findall(data)) if b"\x02" in data else data
    return [r for r in text.decode("latin-1").replace("\n", "\r").split("\r") if r.strip()]


def expected_results(trace: str) -> list[dict[str, object]]:
    profile = load_profile(TRACES[trace])
    records = naive_records((DATA / trace).read_bytes())
    header = records[0]
    fd = header[1]
    spec = header[2 : header.index(fd, 2)]
    repeat, component, escape = spec[-3], spec[-2], spec[-1]
    h = header.split(fd)
    header_time = h[13] if len(h) > 13 else ""
    qc_message = len(h) > 11 and h[11].strip().upper().startswith("Q")
    order_time = ""
    out = []

    def field(fields: list[str], n: int) -> str:
        return fields[n - 1] if len(fields) >= n else ""

    for record in records[1:]:
        f = record.split(fd)
        if f[0] == "P":
            order_time = ""
        if f[0] == "O":
            order_time = field(f, 7).strip() or field(f, 23)  # requested, else results reported
        if f[0] != "R":
            continue
        parts = field(f, 4).split(component)
        while parts and not parts[-1].strip():
            parts.pop()
        while parts and not parts[0].strip():
            parts.pop(0)
        value = component.join(parts).strip()
        for code, char in (("F", fd), ("S", component), ("R", repeat), ("E", escape)):
            value = value.replace(f"{escape}{code}{escape}", char)
        if value.strip("-") == "":
            value = ""
        if profile.tolerance.decimal_comma and re.fullmatch(r"[<>]?\d+,\d+", value):
            value = value.replace(",", ".")
        status_code = field(f, 9).strip()[:1].upper()
        if not status_code and profile.tolerance.missing_result_status:
            status_code = "F"
        when = next(
            t.strip() for t in (field(f, 13), field(f, 12), order_time, header_time, "x") if t.strip()
        )
        out.append(
            {
                "value": value,
                "unit": field(f, 5).split(component)[0].strip() or None,
                "flags": [x.strip() for x in field(f, 7).split(repeat) if x.strip()],
                "status": STATUS.get(status_code, "preliminary"),
                "qc": qc_message,
                "time": datetime.strptime(when[:14], "%Y%m%d%H%M%S").replace(tzinfo=profile.zone),
            }
        )
    return out


@pytest.mark.parametrize("trace", ASTM)
def test_every_r_record_of_a_real_capture_lands_with_value_unit_flags_status_and_time(trace: str) -> None:
    profile = load_profile(TRACES[trace])
    report = replay_capture(profile, (DATA / trace).read_bytes(), received_at=RECEIVED_AT)
    got = [
        {
            "value": r.value,
            "unit": r.device_unit,
            "flags": [f for f in r.flags if f not in ADDED],
            "status": r.status,
            "qc": r.qc,
            "time": r.observed_at,
        }
        for r in report.results
    ]
    expected = expected_results(trace)
    assert len(got) == len(expected) > 0
    for n, (g, e) in enumerate(zip(got, expected, strict=True), 1):
        assert g == e, f"{trace}: R record {n}"
    assert not [q for q in report.quarantined if not q.with_result and q.reason != "unmapped_code"]


def test_the_vendor_line_captures_land_with_the_values_read_off_them() -> None:
    """mini VIDAS (RS/GS tags, lowercase checksum) and SPOTCHEM (printout between STX and ETX)."""

    def read(trace: str) -> list[tuple[object, ...]]:
        profile = load_profile(TRACES[trace])
        report = replay_capture(profile, (DATA / trace).read_bytes(), received_at=RECEIVED_AT)
        return [
            (r.vendor_code, r.value, r.device_unit, r.status, r.sample_id, r.observed_at)
            for r in report.results
        ]

    vidas = datetime(2024, 10, 25, 18, 35, tzinfo=load_profile(TRACES["biomerieux-mini_vidas.raw"]).zone)
    assert read("biomerieux-mini_vidas.raw") == [
        ("HBCT", "0.05", None, "final", "Z1G021SCR", vidas),
        ("HBCT/ql", "Positif", None, "final", "Z1G021SCR", vidas),
    ]
    spotchem = datetime(
        2024, 10, 29, 13, 8, tzinfo=load_profile(TRACES["arkray-spotchem_el_se1520.raw"]).zone
    )
    assert read("arkray-spotchem_el_se1520.raw") == [
        ("Na", "131", "mmol/L", "final", "1DC042FP", spotchem),
        ("K", "9.7", "mmol/L", "final", "1DC042FP", spotchem),
        ("Cl", "96", "mmol/L", "final", "1DC042FP", spotchem),
    ]

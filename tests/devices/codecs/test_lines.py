"""Line protocols, VIDAS and SPOTCHEM (checklist items 23-24) and the line framer."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.codecs import lines, vidas
from devices.codecs.lines import LineFramer
from devices.profile import load_profile
from devices.results import NO_VALUE
from triage.cli import main

TRACES = Path(__file__).parents[1] / "traces" / "data"


def test_nonin_no_value_suffixes_and_banner() -> None:
    prof = load_profile("nonin-oximeter")
    assert lines.decode_message(prof, b"NONIN MEDICAL INC. 8500") == ([], [])
    results, _ = lines.decode_message(prof, b"SPO2=--- HR=---")
    assert [r.value for r in results] == ["", ""] and all(NO_VALUE in r.flags for r in results)
    results, _ = lines.decode_message(prof, b"SPO2=095* HR=071F")
    assert [(r.code, r.value, r.status, r.flags) for r in results] == [
        ("spo2", "095", "preliminary", ("device_flag_*",)),
        ("heart_rate", "071", "preliminary", ("device_flag_F",)),
    ]
    results, problems = lines.decode_message(prof, b"SPO2=9A HR=70", base_offset=55)
    assert results == [] and problems[0].reason == "unparseable_line" and problems[0].byte_offset == 55


def test_bp_and_urine_grammars() -> None:
    (sys_, dia, map_, pr), _ = lines.decode_message(
        load_profile("bp-monitor"), b"BP,202411251030,128,82,97,74"
    )
    assert (sys_.code, sys_.value, dia.value, pr.code) == ("sbp", "128", "82", "heart_rate")
    assert map_.code is None
    results, _ = lines.decode_message(load_profile("bp-monitor"), b"BP,202411251045,--,--,--,--")
    assert all(r.value == "" and NO_VALUE in r.flags for r in results)
    results, _ = lines.decode_message(
        load_profile("urine-strip"), b"URS,U1,202411250915,GLU=NEGATIVE,NIT=POS"
    )
    assert [(r.code, r.value, r.sample_id) for r in results] == [
        ("urine_glucose", "neg", "U1"),
        ("urine_nitrite", "pos", "U1"),
    ]


def test_vidas_checksum_is_verified() -> None:
    prof = load_profile("biomerieux-mini_vidas")
    raw = (TRACES / "biomerieux-mini_vidas.raw").read_bytes()
    results, _ = vidas.decode_message(prof, raw)
    assert [(r.vendor_code, r.value) for r in results] == [("HBCT", "0.05"), ("HBCT/ql", "Positif")]
    assert (
        results[0].observed_at is not None
        and results[0].observed_at.isoformat() == "2024-10-25T18:35:00+08:00"
    )
    tampered = raw.replace(b"qn0.05", b"qn0.06")
    results, problems = vidas.decode_message(prof, tampered)
    assert results == [] and problems[0].reason == "checksum_mismatch"


def test_spotchem_packet() -> None:
    prof = load_profile("arkray-spotchem_el")
    raw = (TRACES / "arkray-spotchem_el_se1520.raw").read_bytes()
    results, problems = lines.decode_message(prof, raw)
    assert [(r.vendor_code, r.value, r.device_unit) for r in results] == [
        ("Na", "131", "mmol/L"),
        ("K", "9.7", "mmol/L"),
        ("Cl", "96", "mmol/L"),
    ]
    assert problems == []
    _, problems = lines.decode_message(prof, raw.replace(b"9.7  mmol/L", b"9.7  mmol/L ???"))
    assert problems and problems[0].reason == "unparseable_message"


@pytest.mark.parametrize("grammar", ["nonin", "spotchem", "vidas"])
def test_framer_gives_the_same_units_for_any_chunking(grammar: str) -> None:
    data = {
        "nonin": (TRACES / "nonin-oximeter.txt").read_bytes(),
        "spotchem": (TRACES / "arkray-spotchem_el_se1520.raw").read_bytes() * 3,
        "vidas": b"junk" + (TRACES / "biomerieux-mini_vidas.raw").read_bytes() * 2,
    }[grammar]
    whole = LineFramer(grammar)
    expected = whole.feed(data) + whole.flush()
    for size in (1, 3, 17):
        f = LineFramer(grammar)
        got = []
        for i in range(0, len(data), size):
            got += f.feed(data[i : i + size])
        assert got + f.flush() == expected


def _vidas_packet(*fields: bytes) -> bytes:
    """A mini VIDAS packet with a good (lowercase) checksum, as the device sends it."""
    body = b"".join(b"\x1e" + field for field in fields) + b"\x1d"
    return b"\x02" + body + vidas.checksum(body).encode() + b"\n"


def test_vidas_replay_names_the_byte_of_each_result_and_of_a_bad_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An integrator replaying a mini VIDAS capture is told where each result is: the byte of its
    value's field (qn, ql) in the file, not the packet's first byte for both; a bad field or date
    names its own byte."""
    trace = TRACES / "biomerieux-mini_vidas.raw"
    data = trace.read_bytes()
    args = ["devices", "replay", "-p", "line", "--profile", "biomerieux-mini_vidas"]
    assert main([*args, str(trace)]) == 1  # the bundled profile maps neither code
    _, err = capsys.readouterr()
    assert f'byte {data.index(b"qn0.05")}: quarantined (unmapped_code): sample Z1G021SCR test "HBCT":' in err
    assert (
        f'byte {data.index(b"qlPositif")}: quarantined (unmapped_code): sample Z1G021SCR test "HBCT/ql":'
        in err
    )

    head = [b"mtrsl|", b"pi|", b"ciZ1G021SCR|", b"rtHBCT|"]
    bad_field = tmp_path / "bad-field.raw"
    bad_field.write_bytes(b"\r\n" + _vidas_packet(*head, b"x", b"qlPositif|"))
    bad_date = tmp_path / "bad-date.raw"
    bad_date.write_bytes(_vidas_packet(*head, b"td13/45/24|", b"tt18:35|", b"qlPositif|"))
    for capture, marker, reason in (
        (bad_field, b"\x1ex", "unparseable_message"),
        (bad_date, b"td13", "bad_timestamp"),
    ):
        at = capture.read_bytes().index(marker) + (1 if marker.startswith(b"\x1e") else 0)
        assert main([*args, str(capture)]) == 1
        _, err = capsys.readouterr()
        assert f"{capture}: byte {at}: quarantined ({reason}): " in err, err

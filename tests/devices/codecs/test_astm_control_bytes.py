"""ASTM text with a control character in a field, on a latin-1 profile: latin-1 decodes every
byte, so a NUL, SOH, ESC, DLE, DC1 or DEL inside a value was taken as text without a word
(``5.\\x003`` stored as the value of a result). E1394 5.1 (LIS2-A2 the same) allows no control
character in a record but BEL, HT, VT, FF and CR, and DEL never: such a message is now
quarantined whole, ``undecodable_bytes``, naming the byte, its place (``R.4 of R record 1``) and
the rule, as a byte the profile's encoding refuses is. The allowed ones decode as before. The real
codec and the bundled simulator profile (latin-1); SYNTHETIC patients."""

from __future__ import annotations

import pytest

from devices.codecs import astm_records
from devices.profile import DeviceProfile
from devices.simulated_results import astm_records as records_of
from devices.simulated_results import sample_from_values, simulator_profile

PROFILE = simulator_profile("astm-analyzer", "analyzer")


def _message(value: bytes, name: bytes = b"SYNTHETIC^PATIENT") -> bytes:
    records = records_of(sample_from_values("astm-analyzer", "SIM-P1", "S-1", {"glucose_random": 5.0}))
    records = [r.replace(b"|5.0|", b"|" + value + b"|") for r in records]
    records = [r.replace(b"SYNTHETIC^PATIENT", name) for r in records]
    return b"".join(r + b"\r" for r in records)


def _refused(byte: int, profile: DeviceProfile = PROFILE) -> tuple[str, int]:
    """``5.<byte>3`` as a result's value, 20 bytes into a stream: the message's one quarantine
    item (checked to be undecodable_bytes at the byte, nothing else decoded): its detail, its byte."""
    raw = _message(b"5." + bytes([byte]) + b"3")
    results, problems = astm_records.decode_message(profile, raw, base_offset=20)
    assert results == []
    (problem,) = problems
    at = 20 + raw.index(bytes([byte]))
    assert (problem.reason, problem.byte_offset) == ("undecodable_bytes", at)
    return problem.detail, at


@pytest.mark.parametrize("byte", [0x00, 0x01, 0x06, 0x08, 0x10, 0x11, 0x14, 0x1B, 0x1F, 0x7F])
def test_a_control_character_in_a_value_quarantines_the_message_naming_it(byte: int) -> None:
    detail, at = _refused(byte)
    assert detail == (
        f"byte {at} (R.4 of R record 1): byte 0x{byte:02X} is not valid in ASTM text: E1394 allows no"
        " control character in a record but BEL, HT, VT, FF and CR, so the message is not used (check"
        " what the device sends in that field)"
    )


def test_one_in_a_patient_name_is_placed_in_the_p_record() -> None:
    raw = _message(b"5.0", name=b"SYNTHETIC^PAT\x00IENT")
    _, problems = astm_records.decode_message(PROFILE, raw)
    (problem,) = problems
    at = raw.index(b"PAT\x00") + 3
    assert problem.detail.startswith(f"byte {at} (P.6 of P record 1): byte 0x00 is not valid"), problem.detail


@pytest.mark.parametrize("byte", [0x07, 0x09, 0x0B, 0x0C])  # BEL, HT, VT, FF: E1394 allows them
def test_the_allowed_control_characters_decode_as_before(byte: int) -> None:
    raw = _message(b"5.0", name=b"SYNTHETIC^PAT" + bytes([byte]) + b"IENT")
    results, problems = astm_records.decode_message(PROFILE, raw)
    assert [r.value for r in results] == ["5.0"] and problems == []


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_byte_255_in_a_value_quarantines_the_message_naming_it(encoding: str) -> None:
    """E1394 5.1 allows byte 255 nowhere in a record, as it does DEL; latin-1 and cp1252 decode it
    (ÿ), so ``5.\\xff3`` was stored as a result's value."""
    detail, at = _refused(0xFF, PROFILE.model_copy(update={"encoding": encoding}))
    assert detail == (
        f"byte {at} (R.4 of R record 1): byte 0xFF is not valid in ASTM text: E1394 allows no"
        f" byte 255 (ÿ in {encoding}) in a record, so the message is not used (check what the device"
        " sends in that field)"
    )


#: each encoding with byte 255 in a patient's name (P.6, ``SYNTHETIC^<name>``): the name as read,
#: or None where the message is refused naming the byte - ÿ, the ISO 8859-1 character 255 E1394
#: excludes (latin-1, cp1252, iso8859-15), or a byte the encoding does not read alone (utf-8, gb18030)
NAME_WITH_BYTE_255 = {
    "cp1251": ("ИЛЬИНА^Илья".encode("cp1251"), "ИЛЬИНА^Илья", "я"),
    "koi8-r": ("ПОДЪЯЧЕВ^ИГОРЬ".encode("koi8-r"), "ПОДЪЯЧЕВ^ИГОРЬ", "Ъ"),
    "iso8859-5": ("Наџа".encode("iso8859-5"), "Наџа", "џ"),
    "latin-1": (b"Ha\xffes", None, "ÿ in latin-1"),
    "cp1252": (b"Ha\xffes", None, "ÿ in cp1252"),
    "iso8859-15": (b"Ha\xffes", None, "ÿ in iso8859-15"),
    "utf-8": (b"Ha\xffes", None, "not valid utf-8"),
    "gb18030": (b"Ha\xffes", None, "not valid gb18030"),
}


@pytest.mark.parametrize("encoding", sorted(NAME_WITH_BYTE_255))
def test_byte_255_is_refused_only_where_the_encoding_reads_it_as_the_character_e1394_excludes(
    encoding: str,
) -> None:
    """Byte 255 is я in cp1251, Ъ in koi8-r, џ in iso8859-5: a letter of the vendor's character set
    (E1394 leaves extended characters to the vendors), so a Cyrillic name with it is read, where
    every such message was quarantined whole as 'byte 255 (ÿ in latin-1)'; E1394 5.1 excludes
    the ISO 8859-1 character 255 (ÿ), refused where the encoding reads the byte as it."""
    name, read, said = NAME_WITH_BYTE_255[encoding]
    assert 0xFF in name
    profile = PROFILE.model_copy(update={"encoding": encoding})
    raw = _message(b"5.0", name=b"SYNTHETIC^" + name)
    results, problems = astm_records.decode_message(profile, raw)
    if read is None:
        (problem,) = problems
        assert results == [] and problem.reason == "undecodable_bytes"
        assert problem.byte_offset == raw.index(b"\xff") and said in problem.detail, problem.detail
        assert "(P.6 of P record 1)" in problem.detail, problem.detail
    else:
        assert [r.value for r in results] == ["5.0"] and problems == []
        message = astm_records.parse_message(raw, profile)
        (patient,) = [r for r in message.records if r.type == "P"]
        assert patient.raw(6) == f"SYNTHETIC^{read}" and said in read


def test_the_other_latin_1_letters_decode_as_before() -> None:
    """Bytes 128-254 are the extended characters E1394 leaves to the vendor: 0xFE (þ), the one
    before 255, and é in a name still decode."""
    raw = _message(b"5.0", name=b"SYNTH\xe9TIC^PATIENT\xfe")
    results, problems = astm_records.decode_message(PROFILE, raw)
    assert [r.value for r in results] == ["5.0"] and problems == []

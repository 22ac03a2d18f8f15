"""HL7 v2.x and MLLP (checklist items 18-22)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devices.codecs.hl7 import (
    CHARSETS,
    Encoding,
    Hl7ParseError,
    decode_message,
    escape,
    needs_ack,
    parse_message,
    unescape,
)
from devices.codecs.hl7_ack import accept_ack_wanted, build_ack, build_error_ack, uses_enhanced_mode
from devices.codecs.mllp import MllpDecoder, MllpJunk, MllpMessage, frame
from devices.errors import SenderStateError
from devices.profile import DeviceProfile, profile_from_dict

ORU = (
    "MSH|^~\\&|Mindray|BS-380|||20240301101500||ORU^R01|MSG0001|P|2.3.1||||0||ASCII|||\r"
    "PID|1||PAT-9^^^CLINIC||Wang^Li||19600101|M\r"
    "OBR|1||S-123|^^^CHEM|||20240301101000\r"
    "OBX|1|NM|GLU^Glucose^LN||7.8|mmol/L|3.9-6.1|H|||F|||20240301101400\r"
    "OBX|2|NM|CREA^Creatinine||98|umol/L|44-133|N|||C\r"
    "OBX|3|ST|NOTE^Note||a\\F\\b\\S\\c\\E\\R\\E\\d\\.br\\e\\X41\\|||||F\r"
).encode("ascii")


def profile(**extra: object) -> DeviceProfile:
    data: dict[str, object] = {
        "device_id": "mindray-bs380",
        "protocol": "hl7",
        "mapping": {
            "GLU": {"code": "glucose_random", "unit": "mmol/L"},
            "CREA": {"code": "creatinine", "unit": "umol/L"},
        },
        "ignored_codes": ["NOTE"],
    }
    data.update(extra)
    return profile_from_dict(data)


# ---- 18. MLLP reads


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 10_000])
def test_partial_and_coalesced_reads_give_every_message(chunk: int) -> None:
    stream = (
        frame(ORU)
        + frame(ORU.replace(b"MSG0001", b"MSG0002"))
        + b"\r\n"
        + frame(ORU.replace(b"MSG0001", b"MSG0003"))
    )
    dec = MllpDecoder()
    events = []
    for i in range(0, len(stream), chunk):
        events += dec.feed(stream[i : i + chunk])
    msgs = [e for e in events if isinstance(e, MllpMessage)]
    assert [parse_message(m.data, profile()).control_id for m in msgs] == ["MSG0001", "MSG0002", "MSG0003"]
    assert msgs[1].offset == len(ORU) + 3
    assert not any(isinstance(e, MllpJunk) for e in events)


def test_message_longer_than_any_read_buffer_and_junk_reported() -> None:
    big = ORU + b"NTE|1||" + b"x" * 200_000 + b"\r"
    dec = MllpDecoder()
    events = dec.feed(b"garbage" + frame(big)[:100_000])
    assert isinstance(events[0], MllpJunk) and events[0].data == b"garbage"
    events = dec.feed(frame(big)[100_000:])
    assert isinstance(events[0], MllpMessage) and events[0].data == big


def test_lf_segment_ends_need_the_switch() -> None:
    lf = ORU.replace(b"\r", b"\n")
    _, problems = decode_message(profile(), lf)
    assert problems[0].reason == "unparseable_message" and "lf_segment_separator" in problems[0].detail
    results, _ = decode_message(profile(tolerance={"lf_segment_separator": True}), lf)
    assert len(results) == 3


# ---- 19. ACK


def test_ack_echoes_control_id_and_never_acks_an_ack() -> None:
    msg = parse_message(ORU, profile())
    now = datetime(2024, 3, 1, 10, 16, tzinfo=UTC)
    ack = build_ack(msg, "AA", now=now)
    assert ack.startswith(b"MSH|^~\\&|||Mindray|BS-380|20240301101600||ACK^R01^ACK|ACKMSG0001|P|2.3.1")
    assert b"\rMSA|AA|MSG0001\r" in ack
    parsed = parse_message(ack, profile())
    assert not needs_ack(parsed)
    with pytest.raises(SenderStateError):
        build_ack(parsed)
    assert decode_message(profile(), ack) == ([], [])


def test_enhanced_mode_uses_commit_codes() -> None:
    enhanced = ORU.replace(b"2.3.1||||0||ASCII", b"2.3.1|||AL|NE||ASCII")
    msg = parse_message(enhanced, profile())
    assert uses_enhanced_mode(msg, profile())
    assert b"MSA|CE|MSG0001|bad\\F\\value" in build_ack(msg, "AE", enhanced=True, text="bad|value")
    assert b"MSA|CR|" in build_ack(msg, "AR", enhanced=True)


@pytest.mark.parametrize(
    ("msh15", "wanted_ca", "wanted_ce"),
    [("AL", True, True), ("NE", False, False), ("ER", False, True), ("SU", True, False), ("", True, True)],
)
def test_msh15_says_which_commit_acks_the_sender_wants(msh15: str, wanted_ca: bool, wanted_ce: bool) -> None:
    """MSH-15 (table 0155) was read only as 'enhanced mode or not': NE, ER and SU all got a CA,
    and a message that does not parse a CE. MSH-16 (here AL) is for application ACKs. MSH-15 empty
    with MSH-16 set is enhanced mode (original mode needs both empty) with no default in the
    standard: answered as AL (docs/device-gateway.md)."""
    raw = ORU.replace(b"2.3.1||||0||ASCII", b"2.3.1|||%s|AL||ASCII" % msh15.encode())
    msg = parse_message(raw, profile())
    assert (accept_ack_wanted(msg, profile(), "AA"), accept_ack_wanted(msg, profile(), "AE")) == (
        wanted_ca,
        wanted_ce,
    )
    nak, _ = _refusal(raw.replace(b"ASCII", b"KLINGON"), profile())
    assert (nak is not None) == wanted_ce
    # original mode (MSH-15 and MSH-16 empty): every message is answered, AA or AE
    plain = parse_message(ORU.replace(b"2.3.1||||0||ASCII", b"2.3.1||||||ASCII"), profile())
    assert accept_ack_wanted(plain, profile(), "AA") and accept_ack_wanted(plain, profile(), "AE")


def _refusal(raw: bytes, prof: DeviceProfile | None = None) -> tuple[bytes | None, list[bytes]]:
    """The error ACK of a message that does not parse, and its segments (ORU's MSH-16 is the
    Mindray result kind, so original mode unless MSH-15 asks for enhanced)."""
    prof = prof or profile(tolerance={"mindray_msh16_result_kind": True})
    with pytest.raises(Hl7ParseError) as caught:
        parse_message(raw, prof)
    nak = build_error_ack(raw, caught.value, prof, now=datetime(2024, 3, 1, 10, 16, tzinfo=UTC))
    return nak, ([] if nak is None else nak.rstrip(b"\r").split(b"\r"))


def test_a_message_that_does_not_parse_is_refused_with_ae_naming_segment_and_field() -> None:
    """The parse failure was answered with nothing: the device sent the message again for ever."""
    _, (msh, msa, err) = _refusal(ORU.replace(b"ASCII", b"KLINGON"))
    assert msh == b"MSH|^~\\&|||Mindray|BS-380|20240301101600||ACK^R01^ACK|ACKMSG0001|P|2.3.1||||||KLINGON"
    at = ORU.index(b"ASCII")  # MSH-18: the byte names where it is
    assert msa.startswith(b'MSA|AE|MSG0001|byte %d: MSH-18 character set "KLINGON" is not supported' % at)
    assert err == b"ERR|MSH^1^18^103&Table value not found&HL70357"  # ERR-1 up to v2.4
    # a byte the declared set cannot hold: the segment, its sequence and the field
    bad = ORU.replace(b"CREA^Creatinine", "CRÉA^Creatinine".encode("latin-1"))
    _, (_, msa, err) = _refusal(bad)
    assert msa.startswith(b"MSA|AE|MSG0001|byte %d: byte 0xC9 is not valid ascii" % bad.index(b"\xc9"))
    assert err == b"ERR|OBX^2^3^102&Data type error&HL70357"
    _, (_, _, err) = _refusal(ORU.replace(b"Wang", "Wäng".encode("latin-1")))
    assert err == b"ERR|PID^1^5^102&Data type error&HL70357"
    # from v2.5 ERR-2 (location), ERR-3 (condition), ERR-4 (severity); enhanced mode says CE
    v25 = ORU.replace(b"2.3.1||||0||ASCII", b"2.5|||AL|NE||8859/99")
    _, (msh, msa, err) = _refusal(v25)
    at = v25.index(b"8859/99")
    assert msa.startswith(b'MSA|CE|MSG0001|byte %d: MSH-18 character set "8859/99"' % at)
    assert err.startswith(
        b"ERR||MSH^1^18|103^Table value not found^HL70357|E|||byte %d: MSH-18 character set" % at
    )
    # LF between segments without its switch: the segment it ends
    _, (_, msa, err) = _refusal(ORU.replace(b"\rOBR", b"\nOBR"))
    assert b"LF in HL7 message (segments end with CR; profile switch lf_segment_..." in msa  # 80
    assert err == b"ERR|PID^1^^100&Segment sequence error&HL70357"
    # MSH-2 incomplete: read with the default encoding characters, MSH-10 still echoed
    _, (msh, msa, err) = _refusal(ORU.replace(b"MSH|^~\\&|", b"MSH|^|"))
    assert msh.startswith(b"MSH|^~\\&|||Mindray|") and msa.startswith(b"MSA|AE|MSG0001|byte 4: MSH-2")
    assert err == b"ERR|MSH^1^2^102&Data type error&HL70357"


def test_msa3_keeps_to_its_80_characters_and_the_whole_text_is_in_err7_from_v25() -> None:
    """MSA-3 is an ST of 80 (v2.1 to v2.3.1, kept so for backward compatibility to v2.6): the
    refusal of an unknown MSH-18 (the list of known sets) sent 150 and more, which a receiver may
    cut or refuse. It is cut with '...'; from v2.5 ERR-7 has the whole text."""
    v231 = ORU.replace(b"ASCII", b"KLINGON")
    for raw in (v231, v231.replace(b"|2.3.1|", b"|2.5|")):
        with pytest.raises(Hl7ParseError) as caught:
            parse_message(raw, profile())
        whole = escape(str(caught.value)).encode("ascii")
        assert len(whole) > 80
        _, (_, msa, err) = _refusal(raw)
        text = msa.split(b"|", 3)[3]
        assert len(text) == 80 and text.endswith(b"...") and whole.startswith(text[:-3])
    assert err.split(b"|")[7] == whole  # v2.5: ERR-7
    # cut before an escape sequence that would not fit, never inside it; 80 is left whole
    msg = parse_message(ORU, profile())
    assert b"|MSG0001|" + b"x" * 76 + b"...\r" in build_ack(msg, "AE", text="x" * 76 + "|abc")
    assert b"|MSG0001|" + b"y" * 80 + b"\r" in build_ack(msg, "AE", text="y" * 80)


@pytest.mark.parametrize(
    ("msh12", "msa3", "err8"),
    [
        *[("2.3.1", True, False), ("2.4", True, False), ("2.5.1", True, True), ("2.6", True, True)],
        *[("2.7", False, True), ("2.7.1", False, True), ("2.8", False, True), ("2.9", False, True)],
    ],
)
def test_from_v27_msa3_is_empty_and_the_text_is_in_err7_and_err8_only(
    msh12: str, msa3: bool, err8: bool
) -> None:
    """MSA-3 was deprecated in v2.4 and withdrawn in v2.7 (as ERR-1 was); it was filled whatever
    MSH-12 said. From v2.7 the refusal's MSA ends at MSA-2 and the text is in ERR-7 (whole) and ERR-8
    (the user message, TX 250); ERR-2/3/4/7/8 exist from v2.5, ERR-1 alone up to v2.4."""
    raw = ORU.replace(b"|2.3.1|", b"|%s|" % msh12.encode()).replace(b"ASCII", b"KLINGON")
    with pytest.raises(Hl7ParseError) as caught:
        parse_message(raw, profile())
    whole = escape(str(caught.value)).encode("ascii")
    assert len(whole) > 250
    _, (msh, msa, err) = _refusal(raw)
    assert msh.split(b"|")[11] == msh12.encode()
    if msa3:
        assert msa.startswith(b"MSA|AE|MSG0001|byte %d: MSH-18 character set" % raw.index(b"KLINGON"))
        assert len(msa.split(b"|")[3]) == 80
    else:
        assert msa == b"MSA|AE|MSG0001"
    if err8:
        *fields, detail, user = err.split(b"|")
        assert fields == [b"ERR", b"", b"MSH^1^18", b"103^Table value not found^HL70357", b"E", b"", b""]
        assert detail == whole  # ERR-7, TX 2048
        assert len(user) == 250 and user.endswith(b"...") and whole.startswith(user[:-3])  # ERR-8
    else:
        assert err == b"ERR|MSH^1^18^103&Table value not found&HL70357"
    # the plain ACK builder keeps to it too
    message = parse_message(ORU.replace(b"|2.3.1|", b"|%s|" % msh12.encode()), profile())
    ack_msa = build_ack(message, "AE", text="bad value").rstrip(b"\r").split(b"\r")[1]
    assert ack_msa == (b"MSA|AE|MSG0001|bad value" if msa3 else b"MSA|AE|MSG0001")


def test_without_a_readable_msh_the_refusal_has_default_header_fields_and_an_ack_is_never_answered() -> None:
    nak, (msh, msa, err) = _refusal(b"PID|1||PAT-9\rOBX|1|NM|GLU||7.8\r")
    assert msh == b"MSH|^~\\&|||||20240301101600||ACK^^ACK|ACK20240301101600|P|2.4"
    assert msa.startswith(b"MSA|AE||byte 0: HL7 message must start with MSH")  # no MSH-10 to echo
    assert err == b"ERR|MSH^1^^100&Segment sequence error&HL70357"
    assert nak is not None and parse_message(nak, profile()).message_type == "ACK"
    broken_ack = b"MSH|^~\\&|A|B|C|D|20240301||ACK^R01|X1|P|2.3.1||||||KLINGON\rMSA|AA|CTL-1\r"
    assert _refusal(broken_ack)[0] is None


# ---- 20. character sets


def test_msh18_charset_decodes_names_and_bad_bytes_are_quarantined() -> None:
    name = "王丽"
    msg = ORU.replace(b"ASCII", b"UNICODE UTF-8").replace(b"Wang^Li", name.encode("utf-8"))
    parsed = parse_message(msg, profile())
    assert parsed.all("PID")[0].raw(5) == name
    gb = ORU.replace(b"ASCII", b"GB 18030-2000").replace(b"Wang^Li", name.encode("gb18030"))
    assert parse_message(gb, profile()).all("PID")[0].raw(5) == name
    # every single-byte set of HL7 table 0211 (a Greek or Turkish analyzer declares its own)
    for declared, name in (("8859/7", "Παπαδόπουλος"), ("8859/9", "Yılmaz"), ("8859/4", "Kalniņš")):
        coded = ORU.replace(b"ASCII", declared.encode()).replace(b"Wang^Li", name.encode(CHARSETS[declared]))
        assert parse_message(coded, profile()).all("PID")[0].raw(5) == name
    assert parse_message(ORU.replace(b"ASCII", b"ISO IR6"), profile()).all("PID")[0].raw(5) == "Wang^Li"
    broken = ORU.replace(b"Wang^Li", "Zoë".encode("latin-1"))  # declared ASCII
    results, problems = decode_message(profile(), broken, base_offset=1000)
    assert results == [] and problems[0].reason == "undecodable_bytes" and problems[0].raw == broken
    assert problems[0].byte_offset == 1000 + broken.index(b"\xeb")  # the bad byte, not the start


# ---- 21. escapes


def test_escapes_including_escaped_escape_followed_by_r() -> None:
    enc = Encoding()
    assert unescape("a\\F\\b\\S\\c\\E\\R\\E\\d\\.br\\e\\X41\\", enc) == "a|b^c\\R\\d\neA"
    assert unescape("\\T\\\\R\\", enc) == "&~"
    assert unescape("\\E\\R\\", enc) == "\\R\\"  # python-hl7#84: not a repeat
    assert unescape(escape("x|y^z~w\\v&u", enc), enc) == "x|y^z~w\\v&u"
    results, _ = decode_message(profile(), ORU)
    assert results[2].value == "a|b^c\\R\\d\neA"


# ---- 22. results, status, Mindray QC


def test_oru_results_map_with_status_and_time() -> None:
    results, problems = decode_message(profile(), ORU)
    glu, crea, _ = results
    assert (glu.code, glu.value, glu.unit, glu.status, glu.flags) == (
        "glucose_random",
        "7.8",
        "mmol/L",
        "final",
        ("H",),
    )
    assert (glu.patient_id, glu.sample_id, glu.reference_range) == ("PAT-9", "S-123", "3.9-6.1")
    assert glu.observed_at is not None and glu.observed_at.isoformat() == "2024-03-01T10:14:00+08:00"
    assert crea.status == "corrected" and crea.observed_at is not None and crea.observed_at.minute == 10
    assert problems == []


def test_mindray_qc_message_goes_to_qc_never_to_patients() -> None:
    qc = (
        b"MSH|^~\\&|Mindray|BS-380|||20240301101500||ORU^R01|Q1|P|2.3.1||||2||ASCII|||\r"
        b"OBR|1||QC-L1|^^^CHEM\rOBX|1|NM|1|GLU|5.2|mmol/L||N|||F\r"
    )
    prof = profile(tolerance={"mindray_msh16_result_kind": True}, hl7={"code_from": "obx4"})
    results, problems = decode_message(prof, qc)
    assert len(results) == 1 and results[0].qc and results[0].vendor_code == "GLU"
    assert problems == []  # QC results are not quarantined, they are held back from triage
    empty_qc = b"MSH|^~\\&|Mindray|BS-380|||20240301101500||ORU^R01|Q2|P|2.3.1||||2||ASCII|||\r"
    assert decode_message(prof, empty_qc) == ([], [])


def test_an_obx_without_a_test_code_where_the_profile_looks_is_quarantined_not_a_resend() -> None:
    """A profile with code_from = "obx4" (Mindray) on a device that puts its code in OBX-3: every
    OBX had the empty code, so all but the first shared its exactly-once key and were dropped
    by the gateway as resends ("10 duplicate results not stored again" for 2 messages of 6)."""
    results, problems = decode_message(profile(hl7={"code_from": "obx4"}), ORU)
    assert results == [] and [p.reason for p in problems] == ["no_test_code"] * 3
    first = problems[0]
    assert first.byte_offset == ORU.index(b"OBX|1")
    assert first.detail == (
        'OBX 1: no test code in OBX-4 (profile [hl7] code_from = "obx4"); '
        'OBX-3 is "GLU^Glucose^LN", OBX-4 is ""'
    )
    # where the code is, it is read as before
    assert [r.vendor_code for r in decode_message(profile(), ORU)[0]] == ["GLU", "CREA", "NOTE"]

"""POCT1-A2 codec (devices.md section 3.4, checklist item 25): framing in any chunking, safe XML
parsing with byte offsets, observations -> DeviceResult (OBS.R01 patient, OBS.R02 QC), replies."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import simulated_poct1a
from devices.codecs.poct1a import (
    Poct1aError,
    build_ack,
    build_directive,
    build_end,
    build_request_observations,
    parse_message,
    recover_control_id,
)
from devices.codecs.poct1a_framing import Poct1aFrame, Poct1aFramer, Poct1aJunk, Poct1aOverflow
from devices.codecs.poct1a_results import decode_message, observations
from devices.poct1a_conversation import Poct1aDriver
from devices.profile import load_profile
from devices.session import Received, Send
from devices.simulated_results import SimulatedResult, SimulatedSample

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROFILE = load_profile("poct1a-glucose_meter")
WHEN = datetime(2026, 1, 5, 8, 2, tzinfo=SHANGHAI)


def _sample(patient: str = "SIM-P1", *results: tuple[str, str, str], qc: bool = False) -> SimulatedSample:
    rows = tuple(SimulatedResult(*r) for r in results) or (SimulatedResult("Glu", "5.8", "mmol/L"),)
    return SimulatedSample(patient, "SIM-S1", WHEN, rows, qc)


def _obs(body: str, kind: str = "OBS.R01", control_id: str = "17") -> bytes:
    return (
        f'<{kind}><HDR><HDR.control_id V="{control_id}"/><HDR.version_id V="POCT1"/></HDR>{body}</{kind}>'
    ).encode()


CONVERSATION = [
    simulated_poct1a.hello("1"),
    simulated_poct1a.status("2", 2),
    simulated_poct1a.observation(_sample(), "3"),
    simulated_poct1a.observation(_sample("SIM-P2", ("Glu", "14.2", "mmol/L"), ("HbA1c", "8.9", "%")), "4"),
    simulated_poct1a.end_of_topic("5"),
]
STREAM = b"\r\n".join(CONVERSATION)
OFFSETS = [STREAM.index(message) for message in CONVERSATION]


def _frames(events: Sequence[object]) -> list[tuple[bytes, int]]:
    return [(e.data, e.offset) for e in events if isinstance(e, Poct1aFrame)]


# ------------------------------------------------------------------ framing


def test_several_messages_in_one_read_are_cut_at_each_root_end_tag() -> None:
    events = Poct1aFramer().feed(STREAM)
    assert _frames(events) == list(zip(CONVERSATION, OFFSETS, strict=True))
    assert [parse_message(m).message_type for m in CONVERSATION] == [
        "HEL.R01",
        "DST.R01",
        "OBS.R01",
        "OBS.R01",
        "EOT.R01",
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=40))
def test_any_chunking_gives_the_same_messages_and_offsets(cuts: list[int]) -> None:
    framer = Poct1aFramer()
    events: list[object] = []
    points = [0, *sorted(cuts), len(STREAM)]
    for start, end in itertools.pairwise(points):
        events += framer.feed(STREAM[start:end])
    assert _frames(events) == list(zip(CONVERSATION, OFFSETS, strict=True))
    assert framer.buffered == 0


def test_one_byte_at_a_time_is_the_same_as_one_read() -> None:
    framer = Poct1aFramer()
    events = [event for byte in STREAM for event in framer.feed(bytes([byte]))]
    assert _frames(events) == list(zip(CONVERSATION, OFFSETS, strict=True))


def test_bytes_outside_a_message_are_junk_with_their_offset_and_comments_are_skipped() -> None:
    message = CONVERSATION[2]
    stream = b"noise" + message + b"\n<!-- a note -->\n" + message
    events = Poct1aFramer().feed(stream)
    assert events[0] == Poct1aJunk(b"noise", 0)
    assert _frames(events) == [(message, 5), (message, len(stream) - len(message))]


def test_an_oversized_message_is_cut_at_the_limit_and_the_next_one_still_frames() -> None:
    big = _obs("<SVC>" + "<NTE/>" * 400 + "</SVC>")
    framer = Poct1aFramer(max_size=1024)
    events: list[object] = []
    stream = big + CONVERSATION[0]
    for start in range(0, len(stream), 100):
        events += framer.feed(stream[start : start + 100])
    overflow = [e for e in events if isinstance(e, Poct1aOverflow)]
    # cut at the limit, its first 1024 bytes kept (the gateway quarantines them), as fed whole
    assert overflow == [Poct1aOverflow("OBS.R01", 1024, 0, big[:1024])]
    assert Poct1aFramer(max_size=1024).feed(stream)[0] == overflow[0]
    assert _frames(events) == [(CONVERSATION[0], len(big))]


# ------------------------------------------------------------------ parsing


def test_a_message_has_its_type_control_id_and_version() -> None:
    message = parse_message(CONVERSATION[2])
    assert (message.message_type, message.control_id, message.version) == ("OBS.R01", "3", "POCT1")


@pytest.mark.parametrize(
    ("raw", "offset", "words"),
    [
        (b'<OBS.R01><HDR><HDR.control_id V="1"/></OBS.R01>', 39, "malformed XML: mismatched tag"),
        (b"<OBS.R01><HDR/></OBS.R01>", 9, "no HDR.control_id"),
        (b'<OBS.R01><HDR><HDR.control_id V=""/></HDR></OBS.R01>', 9, "no HDR.control_id"),
        (
            b'<XYZ.R01><HDR><HDR.control_id V="1"/></HDR></XYZ.R01>',
            0,
            'unknown POCT1-A2 message type "XYZ.R01"',
        ),
        (b"<OBS.R01><PT/></OBS.R01>", 0, "OBS.R01 has no HDR"),
        (
            b'<OBS.R01><HDR><HDR.message_type V="DST.R01"/><HDR.control_id V="1"/></HDR></OBS.R01>',
            9,
            "does not match the root element",
        ),
    ],
)
def test_a_bad_message_is_a_clear_error_naming_what_and_the_byte(raw: bytes, offset: int, words: str) -> None:
    with pytest.raises(Poct1aError) as caught:
        parse_message(raw)
    assert caught.value.offset == offset
    assert str(caught.value).startswith(f"byte {offset}: ") and words in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        # billion laughs: never expanded
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<OBS.R01><HDR><HDR.control_id V="&b;"/></HDR></OBS.R01>',
        # external entity: never fetched
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><OBS.R01><HDR><HDR.control_id V="1"/>'
        b"</HDR>&e;</OBS.R01>",
        b'<!DOCTYPE OBS.R01 SYSTEM "http://example.invalid/poct1.dtd"><OBS.R01/>',
    ],
)
def test_doctype_and_entities_are_refused(raw: bytes) -> None:
    with pytest.raises(Poct1aError, match="DOCTYPE declaration is not allowed") as caught:
        parse_message(raw)
    assert caught.value.offset == raw.index(b"<!DOCTYPE")


def test_the_control_id_of_a_broken_message_can_still_be_read_for_its_negative_ack() -> None:
    assert recover_control_id(b'<OBS.R01><HDR><HDR.control_id V="00042"/></HDR><SVC>') == "00042"
    assert recover_control_id(b"<OBS.R01><HDR>") is None


# ------------------------------------------------------------------ observations


def test_a_patient_observation_becomes_a_mapped_result_with_its_context() -> None:
    raw = _obs(
        '<SVC><SVC.role_cd V="OBS"/><SVC.observation_dttm V="2026-01-05T08:02:00+08:00"/>'
        '<SVC.reason_cd V="NEW"/><PT><PT.patient_id V="Y B 1232"/><OBS>'
        '<OBS.observation_id V="Glu" SN="SIM"/><OBS.value V="14.2" U="mmol/L"/><OBS.method_cd V="M"/>'
        '<OBS.interpretation_cd V="H"/><OBS.normal_lo-hi_limit V="[3.9;7.8]" U="mmol/L"/></OBS></PT>'
        '<OPR><OPR.operator_id V="NURSE 01"/></OPR><ORD><ORD.order_id V="ORD-9"/></ORD></SVC>'
    )
    results, problems = decode_message(PROFILE, raw, base_offset=1000)
    assert problems == []
    (r,) = results
    assert (r.code, r.value, r.unit, r.vendor_code) == ("glucose_random", "14.2", "mmol/L", "Glu")
    assert (r.patient_id, r.sample_id, r.status, r.qc, r.flags) == (
        "Y B 1232",
        "ORD-9",
        "final",
        False,
        ("H",),
    )
    assert r.observed_at == datetime(2026, 1, 5, 8, 2, tzinfo=timezone(timedelta(hours=8)))
    assert r.reference_range == "[3.9;7.8]"
    assert r.byte_offset == 1000 + raw.index(b"<OBS>")
    assert {"operator NURSE 01", "method M", "reason NEW", "control id 17"} <= set(r.comments)


def test_repeated_obs_elements_each_become_a_result() -> None:
    raw = simulated_poct1a.observation(
        _sample("SIM-P2", ("Glu", "6.1", "mmol/L"), ("HbA1c", "7.2", "%")), "9"
    )
    results, problems = decode_message(PROFILE, raw)
    assert problems == []
    assert [(r.code, r.value, r.unit, r.patient_id) for r in results] == [
        ("glucose_random", "6.1", "mmol/L", "SIM-P2"),
        ("hba1c", "7.2", "%", "SIM-P2"),
    ]


def test_a_resend_is_marked_res_and_has_the_same_exactly_once_key_as_the_original() -> None:
    new, _ = decode_message(PROFILE, simulated_poct1a.observation(_sample(), "3"))
    res, _ = decode_message(PROFILE, simulated_poct1a.observation(_sample(), "8", resend=True))
    assert "reason RES" in res[0].comments and "reason NEW" in new[0].comments
    assert res[0].idempotency_key == new[0].idempotency_key


def test_obs_r02_and_non_patient_roles_are_qc() -> None:
    qc_raw = simulated_poct1a.observation(_sample("", qc=True), "4")
    assert b"<OBS.R02>" in qc_raw and b'<SVC.role_cd V="LQC"/>' in qc_raw
    lqc_in_r01 = _obs(
        '<SVC><SVC.role_cd V="LQC"/><SVC.observation_dttm V="2026-01-05T07:55:00+08:00"/><CTC>'
        '<CTC.name V="Level 1"/><OBS><OBS.observation_id V="Glu"/><OBS.value V="3.1" U="mmol/L"/></OBS>'
        "</CTC></SVC>"
    )
    for raw in (qc_raw, lqc_in_r01):
        results, problems = decode_message(PROFILE, raw)
        assert results and all(r.qc for r in results) and problems == []
        assert all(r.patient_id is None for r in results)


def test_a_time_without_offset_is_in_the_profile_zone_and_a_bad_time_is_quarantined() -> None:
    def one(when: str) -> bytes:
        return _obs(
            f'<SVC><SVC.observation_dttm V="{when}"/><PT><PT.patient_id V="P1"/><OBS>'
            '<OBS.observation_id V="Glu"/><OBS.value V="5.0" U="mmol/L"/></OBS></PT></SVC>'
        )

    (r,), _ = decode_message(PROFILE, one("2026-01-05T08:02:00"))
    assert r.observed_at == WHEN
    results, problems = decode_message(PROFILE, one("05/01/2026 08:02"))
    assert results[0].observed_at is None
    assert [p.reason for p in problems] == ["bad_timestamp"] and "05/01/2026" in problems[0].detail


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (None, "final"),
        ("F", "final"),
        ("C", "corrected"),
        ("P", "preliminary"),
        ("X", "cannot_be_done"),
        ("A", "preliminary"),
    ],
)
def test_result_status_comes_from_obs_status_cd_and_unknown_codes_are_held(
    code: str | None, status: str
) -> None:
    status_el = f'<OBS.status_cd V="{code}"/>' if code else ""
    raw = _obs(
        '<SVC><SVC.observation_dttm V="2026-01-05T08:02:00+08:00"/><PT><PT.patient_id V="P1"/><OBS>'
        f'<OBS.observation_id V="Glu"/><OBS.value V="5.0" U="mmol/L"/>{status_el}</OBS></PT></SVC>'
    )
    (r,), _ = decode_message(PROFILE, raw)
    assert r.status == status


def test_qualitative_values_unmapped_ids_and_missing_ids() -> None:
    raw = _obs(
        '<SVC><SVC.observation_dttm V="2026-01-05T08:02:00+08:00"/><PT><PT.patient_id V="P1"/>'
        '<OBS><OBS.observation_id V="Flu A"/><OBS.qualitative_value V="negative"/></OBS>'
        '<OBS><OBS.value V="5.0" U="mmol/L"/></OBS></PT></SVC>'
    )
    results, problems = decode_message(PROFILE, raw)
    assert [(r.vendor_code, r.value, r.code) for r in results] == [("Flu A", "negative", None)]
    assert [p.reason for p in problems] == ["unmapped_code", "unparseable_message"]
    assert "OBS without OBS.observation_id" in problems[1].detail


def test_messages_without_observations_give_nothing_and_a_bad_one_is_quarantined_whole() -> None:
    assert decode_message(PROFILE, CONVERSATION[0]) == ([], [])
    assert observations(parse_message(CONVERSATION[1])) == []
    bad = b'<OBS.R01><HDR><HDR.control_id V="7"/></HDR><SVC></OBS.R01>'
    results, problems = decode_message(PROFILE, bad, base_offset=50)
    assert results == []
    assert [(p.reason, p.raw, p.byte_offset) for p in problems] == [
        ("unparseable_message", bad, 50 + bad.rindex(b"OBS.R01>"))
    ]


# ------------------------------------------------------------------ replies


def test_ack_echoes_the_control_id_and_an_error_ack_carries_its_note_escaped() -> None:
    now = datetime(2026, 1, 5, 8, 3, tzinfo=SHANGHAI)
    ack = parse_message(build_ack("5", "00017", now=now))
    assert ack.message_type == "ACK.R01" and ack.control_id == "5"
    assert (ack.value("ACK/ACK.type_cd"), ack.value("ACK/ACK.ack_control_id")) == ("AA", "00017")
    assert ack.created == "2026-01-05T08:03:00+08:00"
    error = parse_message(build_ack("6", "18", "AE", note='byte 3: bad "<tag>" & more'))
    assert error.value("ACK/ACK.type_cd") == "AE"
    assert error.value("ACK/ACK.note_txt") == 'byte 3: bad "<tag>" & more'
    with pytest.raises(ValueError, match="AA or AE"):
        build_ack("7", "1", "AR")


def test_host_requests_directives_and_end_parse_back() -> None:
    assert parse_message(build_request_observations("2")).value("REQ/REQ.request_cd") == "ROBS"
    assert (
        parse_message(build_directive("3", "START_CONTINUOUS")).value("DTV/DTV.command_cd")
        == "START_CONTINUOUS"
    )
    assert parse_message(build_end("4")).value("TRM/TRM.reason_cd") == "NRM"
    assert parse_message(build_end("5", "")).root.child("TRM") is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=len(STREAM) - 1), st.integers(1, 255)), max_size=8),
    st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=20),
)
def test_corrupted_bytes_in_any_chunking_never_crash_the_framer_or_the_parser(
    flips: list[tuple[int, int]], cuts: list[int]
) -> None:
    """Each framed message either parses or is a Poct1aError (a CodecError) - never another
    exception - and no byte is framed twice."""
    data = bytearray(STREAM)
    for at, mask in flips:
        data[at] ^= mask
    framer = Poct1aFramer()
    points = [0, *sorted(cuts), len(data)]
    framed = 0
    for start, end in itertools.pairwise(points):
        for event in framer.feed(bytes(data[start:end])):
            if isinstance(event, Poct1aFrame):
                framed += len(event.data)
                try:
                    decode_message(PROFILE, event.data)
                    parse_message(event.data)
                except Poct1aError:
                    pass
    assert framed <= len(data)


def test_an_unknown_declared_encoding_is_a_clear_error_not_a_crash() -> None:
    """Found by the corruption property test: a flipped byte in encoding="UTF-8"."""
    raw = CONVERSATION[0].replace(b'encoding="UTF-8"', b'encoding="TTF-8"')
    with pytest.raises(Poct1aError, match="byte 0: the XML declaration names an unknown character encoding"):
        parse_message(raw)


@pytest.mark.parametrize("declared", ["GB18030", "GBK", "gb2312", "Big5", "Shift_JIS", "UTF-7"])
def test_a_declared_multi_byte_encoding_expat_cannot_read_is_refused_naming_it_not_a_crash(
    declared: str,
) -> None:
    """Found by the corruption property test in a full run (encoding="UTF-7", one flipped bit):
    expat raised ValueError ('multi-byte encodings are not supported') for any multi-byte set but
    UTF-8 and UTF-16 - a meter set to GB 18030 crashed the parser. The message is now quarantined
    whole and refused with AE naming the encoding, and the conversation goes on."""
    raw = CONVERSATION[0].replace(b'encoding="UTF-8"', f'encoding="{declared}"'.encode())
    with pytest.raises(Poct1aError, match=f'^byte 0: the XML declaration names "{declared}", a multi-byte'):
        parse_message(raw)
    results, (held,) = decode_message(PROFILE, raw)
    assert results == [] and held.reason == "unparseable_message" and f'"{declared}"' in held.detail
    driver = Poct1aDriver(PROFILE)
    received, answer = driver.feed(raw, 0.0)
    assert received == Received(raw, ((0, 0),)) and isinstance(answer, Send)
    ack = parse_message(answer.data)
    assert ack.value("ACK/ACK.type_cd") == "AE" and "set the device to send UTF-8" in (
        ack.value("ACK/ACK.note_txt") or ""
    )
    after = driver.feed(CONVERSATION[0], 1.0)  # the same hello in UTF-8 is taken
    assert parse_message(after[-1].data).value("ACK/ACK.type_cd") == "AA"  # type: ignore[union-attr]


def test_characters_xml_does_not_allow_never_make_an_ack_unreadable() -> None:
    """Found by the driver property test: a control id read from noise held a control character."""
    ack = parse_message(build_ack("1", "A\x01B", "AE", note="bad\x00 byte \ufffe"))
    assert ack.value("ACK/ACK.ack_control_id") == "A\ufffdB"
    assert ack.value("ACK/ACK.note_txt") == "bad\ufffd byte \ufffd"


def test_deeply_nested_elements_neither_recurse_nor_crash() -> None:
    depth = 50_000
    raw = _obs("<X>" * depth + "</X>" * depth, kind="HEL.R01")
    message = parse_message(raw)
    assert sum(1 for _ in message.root.walk()) == 4 + depth  # root, HDR and its two values, the Xs
    assert [e.tag for e in message.root.walk()][:4] == ["HEL.R01", "HDR", "HDR.control_id", "HDR.version_id"]

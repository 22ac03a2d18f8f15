"""The writer line (triage/service/writer.py) on real Unix sockets: what travels, and failures.

The whole path through two real processes is in test_workers.py; here one end of the line is
driven by hand to show the framing, error forwarding, packets that do not fit, and a primary
that goes away with a walk-in in flight.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from referral.records import AssessmentIn, ObservationIn, PatientIn
from triage.errors import ConflictError
from triage.service.clinic import PreparedAssessment
from triage.service.walk_ins import WalkIn, decode_row, encode_row
from triage.service.writer import ForwardedError, WriterGoneError, WriterLink, error_reply, line_pair

PAYLOAD = '{"disposition": "local_care", "note": "quotes \\" and newlines \\n stay as sent", "zh": "本地"}'


def a_walk_in() -> WalkIn:
    record = AssessmentIn(
        disposition="local_care",
        target_tier="primary",
        policy_version="p1",
        engine_version="e1",
        model_versions={"cvd10": "1.0.0"},
        news2=1,
        red_flags=[],
        risks={"cvd10": 0.12},
        payload_json=PAYLOAD,
        idempotency_key="k-1",
    )
    return WalkIn(
        actor="nurse1",
        patient=PatientIn(mrn="M-1", name="Test Patient", sex="female", birth_date=None),
        age_years=61,
        key="k-1",
        observations=[
            ObservationIn(code="spo2", value_num=97.0, unit="%", observed_at="2026-12-04T08:00:00+08:00"),
            ObservationIn(
                code="glucose_random",
                value_num=33.3,
                comparator=">",
                unit="mmol/L",
                observed_at="2026-12-04T08:01:00+08:00",
            ),
        ],
        context={"smoker": True},
        prepared=PreparedAssessment(record, "local_care", ("pseudo-1", 61, "female")),
    )


def test_a_walk_in_travels_as_header_and_the_engine_s_own_json() -> None:
    walk_in = a_walk_in()
    header, payload = walk_in.encode()
    assert payload == PAYLOAD.encode(), "the assessment's JSON text is carried as it is"
    assert "payload_json" not in json.dumps(header)
    assert WalkIn.decode(json.loads(json.dumps(header)), payload) == walk_in


def test_a_malformed_walk_in_is_refused_with_what_was_wrong() -> None:
    header, payload = a_walk_in().encode()
    del header["observations"]
    with pytest.raises(Exception, match="walk-in from another service process: malformed"):
        WalkIn.decode(header, payload)


def test_a_walk_in_that_fails_validation_is_refused_without_patient_data_in_the_message() -> None:
    header, payload = a_walk_in().encode()
    header["patient"] = {**header["patient"], "sex": "Zhang San's secret"}
    with pytest.raises(Exception, match=r"^patient\.sex: ") as caught:
        WalkIn.decode(header, payload)
    assert "Zhang San" not in str(caught.value) and "M-1" not in str(caught.value)


def test_a_stored_row_travels_with_its_payload_text() -> None:
    row = {"id": 7, "encounter_id": 3, "payload": PAYLOAD, "risks": '{"cvd10": 0.12}'}
    header, payload = encode_row(row)
    assert decode_row(json.loads(json.dumps(header)), payload) == row


async def _primary_reads(primary: socket.socket) -> tuple[dict[str, object], bytes]:
    loop = asyncio.get_running_loop()
    data = await loop.sock_recv(primary, 1 << 20)
    head, _, blob = data.partition(b"\n")
    return json.loads(head), blob


def test_the_answer_and_the_primary_s_errors_reach_the_worker() -> None:
    async def scenario() -> None:
        ours, theirs = line_pair()
        ours.setblocking(False)
        link = WriterLink(theirs)
        loop = asyncio.get_running_loop()

        stored = loop.create_task(link.store(a_walk_in()))
        header, blob = await _primary_reads(ours)
        assert header["actor"] == "nurse1" and blob == PAYLOAD.encode()
        answer = json.dumps({"id": header["id"], "row": {"id": 9, "encounter_id": 4}}).encode()
        await loop.sock_sendall(ours, answer + b"\n" + PAYLOAD.encode())
        assert await stored == {"id": 9, "encounter_id": 4, "payload": PAYLOAD}

        refused = loop.create_task(link.store(a_walk_in()))
        header, _ = await _primary_reads(ours)
        error = {"message": "idempotency key 'k-1' was already used", "status": 409, "code": "conflict"}
        await loop.sock_sendall(ours, json.dumps({"id": header["id"], "error": error}).encode() + b"\n")
        with pytest.raises(ForwardedError, match="already used") as caught:
            await refused
        assert (caught.value.status_hint, caught.value.code) == (409, "conflict")

        # an error with a message key and params keeps both (the page says it in the user's language)
        refused = loop.create_task(link.store(a_walk_in()))
        header, _ = await _primary_reads(ours)
        closed = ConflictError(
            "new readings: encounter 3 was closed at ... by nurse1 (went home); open a new encounter",
            says="error.encounter_closed",
            params={"closed_at": "2026-12-04T08:00:00+00:00", "user": "nurse1", "reason": "went home"},
        )
        reply = {"id": header["id"], "error": error_reply(closed)}
        await loop.sock_sendall(ours, json.dumps(reply).encode() + b"\n")
        with pytest.raises(ForwardedError, match="open a new encounter") as caught:
            await refused
        forwarded = caught.value
        assert (forwarded.status_hint, forwarded.code) == (409, "conflict")
        assert (forwarded.says, forwarded.params) == (closed.says, closed.params)
        link.close()
        ours.close()

    asyncio.run(scenario())


def test_a_walk_in_in_flight_when_the_primary_ends_fails_with_503_and_says_to_resend() -> None:
    async def scenario() -> None:
        ours, theirs = line_pair()
        ours.setblocking(False)
        link = WriterLink(theirs)
        stored = asyncio.get_running_loop().create_task(link.store(a_walk_in()))
        await _primary_reads(ours)
        ours.close()  # the primary process ended
        with pytest.raises(WriterGoneError, match="same idempotency_key") as caught:
            await stored
        assert caught.value.status_hint == 503
        assert await link.store(a_walk_in()) is None, "after that the worker writes itself"

    asyncio.run(scenario())


def test_a_walk_in_too_big_for_one_packet_is_left_to_the_worker_to_write() -> None:
    async def scenario() -> None:
        ours, theirs = line_pair()
        link = WriterLink(theirs)
        link.largest = 100
        assert await link.store(a_walk_in()) is None
        link.close()
        ours.close()

    asyncio.run(scenario())

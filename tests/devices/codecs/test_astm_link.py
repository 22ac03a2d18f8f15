"""ASTM E1381 / LIS01-A2 link layer: receiver, sender, endpoint (checklist items 1-10; item 2, the
checksum, in test_astm_checksum.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from devices.codecs.astm_frame import build_frame, split_records
from devices.codecs.astm_link import (
    AstmEndpoint,
    AstmReceiver,
    AstmSender,
    Contention,
    EnqRefused,
    FrameAccepted,
    FrameRejected,
    InterruptRequested,
    LinkEstablished,
    MessageAborted,
    MessageDiscarded,
    MessageReceived,
    MessageSent,
    SessionEnded,
)
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.wire import (
    ACK,
    ENQ,
    EOT,
    NAK,
    SAMPLE,
    FakeClock,
    frames_for,
    records_of,
    session,
    strict_profile,
)

TRACES = Path(__file__).parents[1] / "traces" / "data"


def drain(machine: AstmReceiver | AstmSender | AstmEndpoint) -> list[object]:
    events: list[object] = []
    while (e := machine.next_event()) is not None:
        events.append(e)
    return events


def messages(events: list[object]) -> list[MessageReceived]:
    return [e for e in events if isinstance(e, MessageReceived)]


def joined(records: list[bytes]) -> bytes:
    return b"".join(r + b"\r" for r in records)


# ---- 1. chunking


@pytest.mark.parametrize("mode", ["whole", "bytewise", "enq_plus_frame", "split_in_checksum", "two_frames"])
def test_any_chunking_yields_the_same_message(mode: str) -> None:
    long_records = [*SAMPLE[:3], b"R|1|^^^HbA1c|" + b"5" * 300 + b"|%||||F", SAMPLE[4]]
    wire = session(long_records)
    frames = frames_for(long_records)
    if mode == "whole":
        chunks = [wire]
    elif mode == "bytewise":
        chunks = [bytes([b]) for b in wire]
    elif mode == "enq_plus_frame":
        chunks = [ENQ + frames[0], *frames[1:], EOT]
    elif mode == "split_in_checksum":
        f0 = frames[0]
        cut = len(f0) - 3  # between the two checksum characters
        chunks = [ENQ + f0[:cut], f0[cut:], *frames[1:], EOT]
    else:
        chunks = [ENQ, frames[0] + frames[1], *frames[2:], EOT]
    rx = AstmReceiver(strict_profile(), FakeClock())
    for chunk in chunks:
        rx.receive_data(chunk)
    events = drain(rx)
    assert [m.data for m in messages(events)] == [joined(long_records)]
    assert not any(isinstance(e, FrameRejected) for e in events)
    assert rx.data_to_send() == ACK * (1 + len(frames))


# ---- 3. frame numbers


def test_frame_numbers_start_at_1_and_wrap_7_to_0() -> None:
    records = [b"H|\\^&", *[b"R|%d|^^^X|1" % i for i in range(1, 12)], b"L|1|N"]
    wire = frames_for(records)
    assert [f[1:2] for f in wire] == [
        b"1",
        b"2",
        b"3",
        b"4",
        b"5",
        b"6",
        b"7",
        b"0",
        b"1",
        b"2",
        b"3",
        b"4",
        b"5",
    ]
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.receive_data(ENQ + b"".join(wire) + EOT)
    assert rx.data_to_send() == ACK * 14
    assert messages(drain(rx))[0].data == joined(records)


def test_first_frame_must_be_number_1() -> None:
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.receive_data(ENQ + build_frame(0, b"H|\\^&\r", True))
    assert rx.data_to_send() == ACK + NAK


def test_resent_frame_with_last_number_is_acked_and_not_appended_twice() -> None:
    frames = frames_for(SAMPLE)
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.receive_data(ENQ + frames[0] + frames[1] + frames[1] + b"".join(frames[2:]) + EOT)
    assert rx.data_to_send() == ACK * (len(frames) + 2)
    events = drain(rx)
    assert sum(1 for e in events if isinstance(e, FrameAccepted) and e.duplicate) == 1
    assert messages(events)[0].data == joined(SAMPLE)


def test_out_of_sequence_frame_is_naked_unless_lenient() -> None:
    frames = frames_for(SAMPLE)
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.receive_data(ENQ + frames[0] + frames[2])
    assert rx.data_to_send() == ACK + ACK + NAK
    assert "frame number 3, expected 2" in next(e for e in drain(rx) if isinstance(e, FrameRejected)).reason
    counter = ToleranceCounter()
    lenient = AstmReceiver(
        strict_profile(tolerance={"lenient_frame_numbers": True}), FakeClock(), counter=counter
    )
    lenient.receive_data(ENQ + frames[0] + frames[2])
    assert lenient.data_to_send() == ACK * 3
    assert counter.count("test-analyzer", "lenient_frame_numbers") == 1


def test_a_resent_identical_frame_is_not_appended_twice_in_lenient_mode_either() -> None:
    """lenient_frame_numbers accepts any frame number, but a frame byte-identical to the last
    one is still the resend after a lost ACK: ACKed, not appended, and the switch does not fire.
    (In strict mode any frame with the last number is a resend, so only this case tells the
    identical-frame rule apart.)"""
    frames = frames_for(SAMPLE)
    counter = ToleranceCounter()
    rx = AstmReceiver(strict_profile(tolerance={"lenient_frame_numbers": True}), FakeClock(), counter=counter)
    rx.receive_data(ENQ + frames[0] + frames[0] + b"".join(frames[1:]) + EOT)
    assert rx.data_to_send() == ACK * (len(frames) + 2)
    (message,) = messages(drain(rx))
    assert message.data == joined(SAMPLE) and message.complete
    assert counter.count("test-analyzer", "lenient_frame_numbers") == 0


# ---- 4. ETB joining, records across frames, CR ETB, huge frames


def test_record_crossing_frames_and_many_records_in_one_frame() -> None:
    long = b"M|1|HIST|" + b"A" * 700
    crossing = frames_for([SAMPLE[0], long, SAMPLE[4]])
    assert len(crossing) == 1 + 3 + 1 and crossing[1][-5:-4] == b"\x17"  # ETB
    packed = build_frame(1, joined(SAMPLE), True)  # Sysmex/Afinion style: all records in one frame
    expected = (joined([SAMPLE[0], long, SAMPLE[4]]), joined(SAMPLE))
    for wire, records in zip((b"".join(crossing), packed), expected, strict=True):
        rx = AstmReceiver(strict_profile(), FakeClock())
        rx.receive_data(ENQ + wire + EOT)
        assert [m.data for m in messages(drain(rx))] == [records]  # each session its own records, once


def test_cr_etb_record_end_is_naked_without_switch() -> None:
    c111 = (TRACES / "roche-cobas_c111.astm").read_bytes()
    strict = AstmReceiver(strict_profile(tolerance={"missing_lf_after_checksum": True}), FakeClock())
    strict.receive_data(ENQ + c111)
    rejected = [e for e in drain(strict) if isinstance(e, FrameRejected)]
    assert rejected and "cr_etb_record_end" in rejected[0].reason
    lenient = AstmReceiver(
        strict_profile(tolerance={"cr_etb_record_end": True, "missing_lf_after_checksum": True}), FakeClock()
    )
    lenient.receive_data(ENQ + c111 + EOT)
    (msg,) = messages(drain(lenient))
    assert msg.complete and msg.data.startswith(b"H|") and msg.data.endswith(b"L|1|N\r")


def test_frame_of_26645_characters_is_received() -> None:
    h500 = (TRACES / "horiba-yumizen_h500.astm").read_bytes()
    rx = AstmReceiver(
        strict_profile(tolerance={"lenient_frame_numbers": True, "missing_lf_after_checksum": True}),
        FakeClock(),
    )
    rx.receive_data(ENQ + h500 + EOT)
    events = drain(rx)
    assert max(e.size for e in events if isinstance(e, FrameAccepted)) >= 26645
    assert len(messages(events)) == 1 and not any(isinstance(e, FrameRejected) for e in events)


def test_frame_longer_than_the_limit_is_rejected() -> None:
    rx = AstmReceiver(strict_profile(link={"max_receive_frame": 240}), FakeClock())
    rx.receive_data(ENQ + build_frame(1, b"R|" + b"x" * 400 + b"\r", True))
    assert rx.data_to_send().endswith(NAK)


# ---- 5. sender framing


def test_sender_starts_every_record_in_a_new_frame_within_240_characters() -> None:
    records = records_of((TRACES / "sysmex-xn550.astm").read_bytes())
    texts = split_records(records)
    assert all(len(t) <= 240 for t, _ in texts)
    starts = [t for t, _ in texts if t[:2] in (b"H|", b"P|", b"O|", b"R|", b"C|", b"L|")]
    assert len(starts) == len(records)
    restricted = set(range(0x01, 0x07)) | {0x0A, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17}
    assert not any(restricted & set(t) for t, _ in texts)
    big = split_records([b"M|1|" + b"Z" * 70000], 64000)
    assert [len(t) for t, _ in big] == [64000, 70005 - 64000]
    with pytest.raises(ValueError, match="restricted"):
        split_records([b"R|1|a\nb"])


def pump(tx: AstmSender, rx: AstmReceiver) -> None:
    for _ in range(10000):
        out = tx.data_to_send()
        back = rx.data_to_send()
        if not out and not back:
            return
        if out:
            rx.receive_data(out)
        if back:
            tx.receive_data(back)


def test_sender_to_receiver_round_trip_of_a_real_trace() -> None:
    records = records_of((TRACES / "cepheid-genexpert.astm").read_bytes())
    clock = FakeClock()
    tx, rx = AstmSender(strict_profile(), clock), AstmReceiver(strict_profile(), clock)
    rx.receive_data(tx.send(records))  # send() returns the ENQ to write
    pump(tx, rx)
    assert [m.data for m in messages(drain(rx))] == [joined(records)]
    assert any(isinstance(e, MessageSent) for e in drain(tx)) and tx.pending == 0


# ---- 6. timers with a fake clock


def test_no_reply_to_enq_for_15_s_ends_the_attempt_and_keeps_the_message() -> None:
    clock = FakeClock()
    tx = AstmSender(strict_profile(), clock)
    assert tx.send(SAMPLE) == ENQ
    clock.advance(14.9)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == b""
    clock.advance(0.1)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == EOT and tx.pending == 1
    assert isinstance(drain(tx)[0], MessageAborted)


def test_no_reply_to_a_frame_for_15_s_aborts_and_requeues() -> None:
    clock = FakeClock()
    tx = AstmSender(strict_profile(), clock)
    tx.send(SAMPLE)
    tx.receive_data(ACK)
    tx.data_to_send()
    clock.advance(15)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == EOT
    assert tx.pending == 1 and isinstance(drain(tx)[-1], MessageAborted)


def test_receiver_silence_of_30_s_discards_the_partial_message() -> None:
    clock = FakeClock()
    rx = AstmReceiver(strict_profile(), clock)
    rx.receive_data(ENQ + b"".join(frames_for(SAMPLE)[:2]))
    clock.advance(29.9)
    rx.handle_timeout(clock())
    assert rx.state == "receiving"
    clock.advance(0.1)
    rx.handle_timeout(clock())
    events = drain(rx)
    assert not messages(events)
    assert any(isinstance(e, MessageDiscarded) for e in events)
    assert isinstance(events[-1], SessionEnded) and events[-1].reason == "timeout"
    assert rx.state == "neutral"


def test_an_enq_then_silence_inside_a_session_ends_it_with_nak_and_the_next_enq_opens_a_new_one() -> None:
    """An ENQ inside a session was ignored: a sender that restarted (power cycle, its own timeout)
    waited 15 s for a reply, then gave up with EOT, and the host kept its partial message. It was
    then answered ACK, which a sender pausing between frames takes for the reply to its next frame
    when the ENQ was noise; now NAK (busy), and the restarted sender's next ENQ gets the ACK."""
    clock = FakeClock()
    rx = AstmReceiver(strict_profile(), clock)
    frames = frames_for(SAMPLE)
    rx.receive_data(ENQ + b"".join(frames[:2]))
    assert rx.data_to_send() == ACK * 3
    drain(rx)
    at = 1 + len(frames[0]) + len(frames[1])
    rx.receive_data(ENQ)
    assert rx.data_to_send() == b"" and rx.next_deadline() == clock() + 1.0
    clock.advance(0.9)
    rx.handle_timeout(clock())
    assert rx.data_to_send() == b""
    clock.advance(0.1)
    rx.handle_timeout(clock())
    assert rx.data_to_send() == NAK  # the establishment phase's "busy": ENQ again after 10 s
    discarded, ended, refused = drain(rx)
    assert isinstance(discarded, MessageDiscarded) and discarded.data == joined(SAMPLE[:2])
    assert discarded.reason == (
        f"ENQ at byte {at} inside a session, then 1 s of silence after 2 accepted frames of a message "
        "(the device restarted, or noise in a pause); answered NAK, the device still owns the message "
        "and sends it again in a new session"
    )
    assert isinstance(ended, SessionEnded) and ended.reason == "enq"
    assert isinstance(refused, EnqRefused) and rx.state == "neutral" and rx.next_deadline() is None
    # the sender's next ENQ opens a new session, frames from 1; the message is whole, not appended
    clock.advance(10)
    rx.receive_data(ENQ)
    assert rx.data_to_send() == ACK and isinstance(drain(rx)[0], LinkEstablished)
    for frame in frames:
        rx.receive_data(frame)
    rx.receive_data(EOT)
    assert [m.data for m in messages(drain(rx))] == [joined(SAMPLE)]
    assert rx.data_to_send() == ACK * len(frames) and rx.state == "neutral"


def test_an_enq_followed_by_the_next_frame_is_line_noise_and_ignored() -> None:
    """LIS01-A2 6.5.1.1: characters before STX are ignored. Answering such an ENQ would send an
    ACK the sender takes for the reply to a frame not yet received."""
    for chunks in (lambda f: [ENQ + f], lambda f: [ENQ, f]):
        clock = FakeClock()
        rx = AstmReceiver(strict_profile(), clock)
        frames = frames_for(SAMPLE)
        rx.receive_data(ENQ + frames[0])
        for frame in frames[1:]:
            for chunk in chunks(frame):
                rx.receive_data(chunk)
            clock.advance(0.5)
            rx.handle_timeout(clock())
        rx.receive_data(EOT)
        events = drain(rx)
        assert [m.data for m in messages(events)] == [joined(SAMPLE)]
        assert not any(isinstance(e, MessageDiscarded | FrameRejected) for e in events)
        assert rx.data_to_send() == ACK * (1 + len(frames))


def test_after_nak_to_enq_the_sender_waits_10_s() -> None:
    clock = FakeClock()
    tx = AstmSender(strict_profile(), clock)
    tx.send(SAMPLE)
    tx.receive_data(NAK)
    clock.advance(9.9)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == b""
    clock.advance(0.1)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == ENQ


def test_busy_receiver_naks_enq() -> None:
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.busy = True
    rx.receive_data(ENQ)
    assert rx.data_to_send() == NAK and isinstance(drain(rx)[0], EnqRefused)


# ---- 7. contention


def test_contention_host_yields_receives_then_sends_its_queued_order() -> None:
    clock = FakeClock()
    host = AstmEndpoint(strict_profile(), clock)
    assert host.send([b"H|\\^&", b"O|1|S1||^^^HbA1c", b"L|1|N"]) == ENQ
    host.receive_data(ENQ)  # the instrument's ENQ crosses ours
    assert host.data_to_send() == ACK  # host yielded and acknowledged the instrument
    events = drain(host)
    assert Contention(yielded=True) in events and LinkEstablished() in events
    host.receive_data(b"".join(frames_for(SAMPLE)) + EOT)
    events = drain(host)
    assert messages(events)[0].data == joined(SAMPLE)
    assert host.data_to_send().endswith(ENQ)  # after the instrument's EOT the host sends its order


def test_host_waits_20_s_for_the_instrument_after_contention() -> None:
    clock = FakeClock()
    tx = AstmSender(strict_profile(), clock)
    tx.send(SAMPLE)
    tx.receive_data(ENQ)
    assert tx.state == "yielded"
    clock.advance(19.9)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == b""
    clock.advance(0.1)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == ENQ


def test_instrument_role_retries_enq_after_1_s_on_contention() -> None:
    clock = FakeClock()
    tx = AstmSender(strict_profile(link={"role": "instrument"}), clock)
    tx.send(SAMPLE)
    tx.receive_data(ENQ)
    assert Contention(yielded=False) in drain(tx)
    clock.advance(1)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == ENQ


# ---- 8. exactly 6 tries


def test_abort_after_exactly_6_failed_tries_and_full_resend() -> None:
    clock = FakeClock()
    tx = AstmSender(strict_profile(), clock)
    tx.send(SAMPLE)
    tx.receive_data(ACK)
    first = tx.data_to_send()
    assert tx.transmissions == 1
    for _ in range(5):
        tx.receive_data(NAK)
        assert tx.data_to_send() == first  # same frame, same FN
    assert tx.transmissions == 6
    tx.receive_data(NAK)  # the 6th failure
    assert tx.data_to_send() == EOT and tx.transmissions == 6
    aborted = [e for e in drain(tx) if isinstance(e, MessageAborted)]
    assert aborted and "6 failed tries" in aborted[0].reason
    clock.advance(10)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == ENQ
    tx.receive_data(ACK)
    assert tx.data_to_send() == first  # the whole message again, from frame 1


def test_any_other_character_counts_as_a_failed_try() -> None:
    tx = AstmSender(strict_profile(), FakeClock())
    tx.send(SAMPLE)
    tx.receive_data(ACK)
    frame = tx.data_to_send()
    tx.receive_data(b"?")
    assert tx.data_to_send() == frame


# ---- 9. EOT as a reply


def test_eot_reply_is_a_positive_ack_plus_interrupt_with_15_s_hold() -> None:
    clock = FakeClock()
    tx = AstmSender(strict_profile(), clock)
    tx.send([SAMPLE[0], SAMPLE[4]])
    tx.send(SAMPLE)
    tx.receive_data(ACK)
    tx.data_to_send()
    tx.receive_data(EOT)  # interrupt on frame 1: frame accepted, message continues
    assert tx.data_to_send()[1:2] == b"2"
    tx.receive_data(ACK)
    assert tx.data_to_send() == EOT
    events = drain(tx)
    assert InterruptRequested() in events and isinstance(events[-1], MessageSent)
    clock.advance(14.9)
    tx.handle_timeout(clock())
    assert tx.data_to_send() == b""  # the next message waits: no ENQ within 15 s


def test_receiver_interrupt_is_sent_instead_of_ack() -> None:
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.receive_data(ENQ)
    rx.request_interrupt()
    rx.receive_data(frames_for(SAMPLE)[0])
    assert rx.data_to_send() == ACK + EOT


# ---- 10. EOT right after ENQ


def test_eot_right_after_enq_gives_a_clean_neutral_state() -> None:
    rx = AstmReceiver(strict_profile(), FakeClock())
    rx.receive_data(ENQ + EOT)
    events = drain(rx)
    assert not messages(events) and events[-1] == SessionEnded("eot") and rx.state == "neutral"
    rx.receive_data(session(SAMPLE))
    assert len(messages(drain(rx))) == 1


# ---- persist before ACK (used by the gateway)


def test_hold_final_ack_until_confirmed_and_resend_after_reject() -> None:
    frames = frames_for(SAMPLE)
    rx = AstmReceiver(strict_profile(), FakeClock(), hold_final_ack=True)
    rx.receive_data(ENQ + b"".join(frames))
    assert rx.data_to_send() == ACK * len(frames)  # frame text is per record: the L frame is held
    events = drain(rx)
    assert len(messages(events)) == 1
    rx.reject_message()
    assert rx.data_to_send() == NAK
    rx.receive_data(frames[-1])
    assert len(messages(drain(rx))) == 1 and rx.data_to_send() == b""
    rx.confirm_message()
    assert rx.data_to_send() == ACK


def test_a_frame_with_a_corrupted_stx_is_noise_never_logged_nor_a_missing_lf(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With missing_lf_after_checksum on, everything from a checksum to the next STX was the
    "trailer": a frame whose STX was corrupted (0x02 -> 0x82) was logged whole as the switch
    firing - a patient's name in the ordinary log - though the device had sent CR LF."""
    counter = ToleranceCounter()
    rx = AstmReceiver(
        strict_profile(tolerance={"missing_lf_after_checksum": True}), FakeClock(), counter=counter
    )
    header = build_frame(1, b"H|\\^&\r", True)
    patient = bytearray(build_frame(2, b"P|1||PAT-4711||Doe^Jane\r", True))
    patient[0] = 0x82  # the STX, one bit flipped on the line
    with caplog.at_level(logging.DEBUG):
        rx.receive_data(ENQ + header + bytes(patient) + build_frame(2, b"P|1||PAT-4711||Doe^Jane\r", True))
    assert rx.data_to_send() == ACK + ACK + ACK
    assert "PAT-4711" not in caplog.text and "Doe" not in caplog.text
    assert counter.count("test-analyzer", "missing_lf_after_checksum") == 0
    # a trailer that is not CR LF still fires the switch, the noise after it counted, not shown
    rx.receive_data(build_frame(3, b"L|1|N\r", True)[:-1] + b"junk Doe" + EOT)
    assert counter.count("test-analyzer", "missing_lf_after_checksum") == 1
    assert 'trailer "\\r" and 8 other bytes before the next frame' in caplog.text
    assert "Doe" not in caplog.text


def test_strict_receiver_naks_a_frame_without_cr_lf_and_switch_accepts_it() -> None:
    frame = build_frame(1, b"H|\\^&\r", True)
    strict = AstmReceiver(strict_profile(), FakeClock())
    strict.receive_data(ENQ + frame[:-1])
    assert strict.data_to_send() == ACK  # waiting for the trailer before answering
    strict.receive_data(b"\x02")
    assert strict.data_to_send() == NAK
    counter = ToleranceCounter()
    lenient = AstmReceiver(
        strict_profile(tolerance={"missing_lf_after_checksum": True}), FakeClock(), counter=counter
    )
    lenient.receive_data(ENQ + frame[:-2] + frames_for(SAMPLE)[0][:0] + EOT)
    assert lenient.data_to_send() == ACK + ACK
    assert counter.count("test-analyzer", "missing_lf_after_checksum") == 1

"""HL7 OBX-11 ``I`` ("specimen in lab; results pending"), ``N`` ("not asked": the observation was
not sought) and ``O`` ("order detail description only (no result)") - HL7 v2.5 table 0085 - carry
no result. They were read as preliminary results: each became a row held "Not final" on the staff
page until someone dismissed it, and an ``I`` stored first took the key (sample, test, time) of the
result it announced, so that result's preliminary version was dropped as a resend of it. Now an
OBX with one of them and no value is no result (the message is kept as sent); one that carries a
value anyway is held, saying what the device's status means.

A live gateway over a loopback TCP socket, a real SQLite log (SYNTHETIC patient ids).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import selectors
import signal
import socket
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devices.gateway import Gateway, GatewayResult
from tests.devices.gateway.devices_cli import listen_process, listening_port, stderr_until_listening
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, _endpoint, read_acks
from tests.devices.gateway.test_hl7_withdrawal import NOW, _oru, _send
from triage.cli import main
from triage.cli.devices_result_lines import status_line


def _rows(db_path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute("SELECT status, value FROM device_results"))


@pytest.mark.parametrize("code", ["I", "N", "O"])
def test_a_status_that_carries_no_result_stores_none_and_holds_nothing(code: str, tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    status = _send([_oru("CTL-1", code, value=""), _oru("CTL-2", "F")], db_path, delivered, 1)
    assert _rows(db_path) == [("final", "88")]
    assert [(r.auto_feed, r.stored.value) for r in delivered] == [(True, "88")], "nothing held to dismiss"
    assert "2 messages; 1 new result stored (1 for triage, 0 held)" in status_line(status)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM device_messages").fetchone() == (2,), "kept as sent"


def test_results_pending_does_not_take_the_key_of_the_result_it_announces(tmp_path: Path) -> None:
    """I, then the preliminary result with the same key: the preliminary was dropped as a resend
    of the I (a row without a value); it is the row now."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "I", value=""), _oru("CTL-2", "P")], db_path, delivered, 1)
    assert _rows(db_path) == [("preliminary", "88")]


@pytest.mark.parametrize("code", ["I", "N", "O"])
def test_a_result_already_stored_is_kept_when_such_a_status_follows(code: str, tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "F"), _oru("CTL-2", code, value="")], db_path, delivered, 1)
    assert _rows(db_path) == [("final", "88")]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("I", "HL7 status I: specimen in the laboratory, results pending"),
        ("N", "HL7 status N: not asked - the test was not done"),
        ("O", "HL7 status O: order detail only, no result"),
    ],
)
def test_a_value_sent_with_such_a_status_is_held_saying_what_the_status_means(
    code: str, says: str, tmp_path: Path
) -> None:
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", code)], tmp_path / "clinic.db", delivered, 1)
    (result,) = delivered
    assert (result.auto_feed, result.hold_kinds) == (False, ("not_final",))
    assert result.hold_reason is not None and says in result.hold_reason


def test_an_appended_report_is_final_and_an_amended_result_corrects_the_stored_one(tmp_path: Path) -> None:
    """HL7 v2.8 added to table 0085 B, "appended report - final results reviewed ... without change
    to the original result values", and A, "amended based on adjustments provided by the placer
    regarding patient demographics". Both were read as preliminary: a B after the preliminary was a
    resend of it (the result stayed held "Not final"), an A with another value was dropped."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    _send([_oru("CTL-1", "P"), _oru("CTL-2", "B")], db_path, delivered, 2)
    assert _rows(db_path) == [("final", "88")]
    assert delivered[-1].auto_feed
    amended = tmp_path / "amended.db"
    _send([_oru("CTL-1", "F"), _oru("CTL-2", "A", value="91")], amended, [], 2)
    assert _rows(amended) == [("corrected", "91")]


def _two_pending_and_a_final(control: str, *, final: bool = True) -> bytes:
    """Two OBX with status I and no value, then a final SpO2 (SYNTHETIC patient SIM-P1); without
    ``final`` the two alone - a message of no result at all."""
    segments = [
        f"MSH|^~\\&|MONITOR|WARD|||{NOW}||ORU^R01|{control}|P|2.5",
        "PID|1||SIM-P1",
        "OBR|1|SIM-S1",
        f"OBX|1|NM|HR||||||||I|||{NOW}",
        f"OBX|2|NM|RR||||||||I|||{NOW}",
        *([f"OBX|3|NM|SPO2||88|%|||||F|||{NOW}"] if final else []),
    ]
    return VT + ("\r".join(segments) + "\r").encode() + FS_CR


def test_listen_says_how_many_obx_lines_carried_no_result(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Three OBX lines, one result: listen's counts and the gateway's log said nothing of the two
    I lines (only the stored raw message had them), so the integrator saw a result missing."""
    delivered: list[GatewayResult] = []
    with caplog.at_level(logging.INFO, logger="devices.gateway"):
        status = _send([_two_pending_and_a_final("CTL-1")], tmp_path / "clinic.db", delivered, 1)
    line = status_line(status)
    assert "1 message; 1 new result stored (1 for triage, 0 held)" in line
    assert "; 2 OBX lines carried no result (status I); " in line
    (stored,) = [r.getMessage() for r in caplog.records if "message 1 stored" in r.getMessage()]
    assert stored.endswith("; 2 OBX lines carried no result (status I)"), stored


def test_replay_says_each_obx_line_that_carried_no_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "monitor.hl7"
    message = _two_pending_and_a_final("CTL-1")
    capture.write_bytes(message)
    profile = tmp_path / "monitor.toml"
    profile.write_text(
        'device_id = "monitor"\nprotocol = "hl7"\ntimezone = "UTC"\n\n[mapping."SPO2"]\ncode = "spo2"\nunit = "%"\n'
    )
    assert main(["devices", "replay", str(capture), "--profile", str(profile)]) == 0
    _out, err = capsys.readouterr()
    hr, rr = message.index(b"OBX|1"), message.index(b"OBX|2")
    assert f'byte {hr}: OBX test "HR" carried no result (status I: results pending)' in err
    assert f'byte {rr}: OBX test "RR" carried no result (status I: results pending)' in err
    assert "1 result: 1 observation" in err
    assert "; 2 OBX lines carried no result (status I); " in err
    assert main(["devices", "replay", str(capture), "--profile", str(profile), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["no_result"] == [
        {"byte_offset": hr, "test": "HR", "status": "I"},
        {"byte_offset": rr, "test": "RR", "status": "I"},
    ]


def _lines_until_a_result(listen: subprocess.Popen[bytes]) -> tuple[list[dict[str, Any]], str]:
    """``listen --json``'s lines up to its first result line (they follow the commit: at most
    30 s), then the rest once Ctrl-C stopped it (exit 130); and its stderr."""
    assert listen.stdout is not None
    out = b""
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(listen.stdout.fileno(), selectors.EVENT_READ)
            while b'"kind": "result"' not in out and selector.select(30):
                out += os.read(listen.stdout.fileno(), 65536)
    finally:
        listen.send_signal(signal.SIGINT)
        rest, err = listen.communicate(timeout=20)
    assert listen.returncode == 130, err
    return [json.loads(line) for line in (out + rest).decode().splitlines()], err.decode()


def test_listen_json_lines_carry_the_obx_lines_that_carried_no_result(tmp_path: Path) -> None:
    """`listen --json` printed one object per result and nothing else: a message of only pending
    OBX lines printed nothing, and a result's line did not say that its message had two more, so a
    program reading the stream could not reconcile results with OBX lines (the counts on stderr
    said so). Now each message with such lines is a line of its own (kind no_result, its results
    too) and each result line names its message and that message's count. A real `triage devices
    listen` process, loopback TCP, a real SQLite file."""
    profile = tmp_path / "monitor.toml"
    profile.write_text(
        'device_id = "monitor"\nprotocol = "hl7"\ntimezone = "UTC"\n\n[mapping."SPO2"]\ncode = "spo2"\nunit = "%"\n'
    )
    listen = listen_process(tmp_path, 0, "--profile", str(profile), "--json")
    try:
        said = stderr_until_listening(listen)
        with socket.create_connection(("127.0.0.1", listening_port(said)), timeout=30) as device:
            for message in (
                _two_pending_and_a_final("CTL-1", final=False),
                _two_pending_and_a_final("CTL-2"),
            ):
                device.sendall(message)
                answer = b""
                while not answer.endswith(FS_CR):
                    answer += device.recv(4096)
    except BaseException:
        listen.kill()
        raise
    (pending, mixed, result), err = _lines_until_a_result(listen)
    assert {k: pending[k] for k in ("kind", "device_id", "results", "no_result")} == {
        "kind": "no_result",
        "device_id": "monitor",
        "results": 0,
        "no_result": {"I": 2},
    }
    assert {k: mixed[k] for k in ("kind", "results", "no_result")} == {
        "kind": "no_result",
        "results": 1,
        "no_result": {"I": 2},
    }
    assert mixed["message_id"] != pending["message_id"]
    assert (result["kind"], result["code"], result["message_id"]) == ("result", "spo2", mixed["message_id"])
    assert result["no_result"] == {"I": 2}
    assert "; 4 OBX lines carried no result (status I); " in err


def store_undelivered(db_path: Path, messages: list[bytes]) -> None:
    """``messages`` sent one by one (each acknowledged) over loopback TCP to a live gateway whose
    subscriber fails: stored in ``db_path``, none of their results delivered."""

    def subscriber_down(_results: list[GatewayResult]) -> None:
        raise RuntimeError("the subscriber is down")

    async def scenario() -> None:
        gateway = Gateway(
            [_endpoint("hl7-monitor")], db_path, on_results=subscriber_down, delivery_retry_s=60
        )
        task = asyncio.create_task(gateway.run())
        await gateway.wait_ready()
        reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
        for message in messages:
            writer.write(message)
            await writer.drain()
            await read_acks(reader, 1)
        writer.close()
        gateway.stop()
        await asyncio.wait_for(task, 10)

    asyncio.run(scenario())


def test_a_result_handed_over_again_at_start_carries_its_message_s_count(tmp_path: Path) -> None:
    """A result stored but not handed over (the subscriber failed: the service's rules down, a
    crash) is handed over when listen starts again; its --json line said `no_result: null`, as the
    count was kept only in the run that stored the message. Now the stored message keeps it. A
    gateway whose subscriber fails stores the message over loopback TCP, then a real `triage devices
    listen` process on the same SQLite file hands its result over."""
    db_path = tmp_path / "clinic.db"
    store_undelivered(db_path, [_two_pending_and_a_final("CTL-1")])
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT delivered_at FROM device_results").fetchall() == [(None,)]
    listen = listen_process(tmp_path, 0, "--protocol", "hl7", "--json")
    try:
        stderr_until_listening(listen)
    except BaseException:
        listen.kill()
        raise
    (result,), _err = _lines_until_a_result(listen)
    assert (result["kind"], result["vendor_code"], result["no_result"]) == ("result", "SPO2", {"I": 2})

"""A reading without a unit whose value another unit of its code makes plausible too (a glucose
of 30: 30 mmol/L, severe hyperglycaemia, or 30 mg/dL, 1.7 mmol/L, severe hypoglycaemia) is refused
on every path, as the API refuses it (``tests/service/test_api_reading_without_unit.py``): until
2026-12-06 ``triage assess`` read it in the code's own unit (``triage.units.resolve_unit``'s
default) and decided on it, and so did a device whose profile's mapping names no unit - the live
gateway fed it to a decision and ``triage devices replay`` counted it an observation. Now
``triage assess`` exits 2 naming ``observations[i].unit``; the gateway holds it for review
(``unit_not_accepted``, the devices page saying it came without a unit, in both languages) and
assesses the same value sent with its unit; replay names it (exit 1). The real CLI in a
subprocess; a real gateway in the service on a loopback TCP port, over a real SQLite file."""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.simulated_results import ZONE
from referral import review
from tests.devices.gateway.devices_cli import settings_file
from tests.ports import free_port
from tests.service.conftest import PASSWORD, make_settings
from tests.service.test_pipeline import wait_for
from triage.service import create_app
from triage.service.auth import Role

TRIAGE = [str(Path(sys.executable).with_name("triage"))]
SAID = "glucose_random 30 was sent without a unit, and both 30 mmol/L and 30 mg/dL (1.7 mmol/L) are plausible"


def _triage(*args: str) -> subprocess.CompletedProcess[str]:
    """The real ``triage`` command, as a user runs it."""
    return subprocess.run([*TRIAGE, *args], capture_output=True, text=True, timeout=120)


def _assess_input(unit: str | None) -> dict[str, object]:
    glucose: dict[str, object] = {
        "code": "glucose_random",
        "value": 30,
        "observed_at": "2026-11-25T08:50:00+08:00",
    }
    if unit is not None:
        glucose["unit"] = unit
    spo2 = {
        "code": "spo2",
        "value": 97,
        "observed_at": "2026-11-25T08:50:00+08:00",
    }  # one unit: read as before
    return {
        "synthetic": True,
        "assessed_at": "2026-11-25T09:00:00+08:00",
        "patient": {"patient_id": "unitless-1", "age": 60, "sex": "male"},
        "observations": [glucose, spo2],
    }


def test_triage_assess_refuses_an_ambiguous_reading_without_a_unit_naming_its_field(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(_assess_input(None)))
    refused = _triage("assess", str(case))
    assert refused.returncode == 2, refused.stderr
    (line,) = refused.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith("error: ") and "observations[0].unit: " + SAID in line, line
    assert refused.stdout == ""
    for unit, mmol in (("mg/dL", 1.7), ("mmol/L", 30.0)):
        case.write_text(json.dumps(_assess_input(unit)))
        done = _triage("assess", str(case))
        assert done.returncode == 0, done.stderr
        used = {o["code"]: o for o in json.loads(done.stdout)["observations_used"]}
        assert round(used["glucose_random"]["value"], 1) == mmol


def _profile(folder: Path, port: int) -> Path:
    """A glucose meter over HL7 whose mapping names no unit: each value goes to triage as sent."""
    path = folder / "meter.toml"
    path.write_text(
        'device_id = "unitless-meter"\nprotocol = "hl7"\nencoding = "ascii"\nsynthetic_samples = true\n'
        f'[tcp]\nport = {port}\n[mapping.GLU]\ncode = "glucose_random"\n',
        encoding="utf-8",
    )
    return path


def _message(mrn: str, sample: str, unit: str, control: str) -> bytes:
    stamp = (datetime.now(ZONE) - timedelta(minutes=1)).strftime("%Y%m%d%H%M%S")
    segments = [
        f"MSH|^~\\&|SIMULATOR|SYNTHETIC|TRIAGE|CLINIC|{stamp}||ORU^R01|{control}|P|2.3.1||||0||ASCII",
        f"PID|1||{mrn}^^^^MR||SYNTHETIC^PATIENT",
        f"OBR|1|{sample}|{sample}|GLU^Glucose|||{stamp}",
        f"OBX|1|NM|GLU^Glucose||30|{unit}|||||F|||{stamp}",
    ]
    return ("\r".join(segments) + "\r").encode("ascii")


def _send(port: int, *messages: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for message in messages:
            sock.sendall(b"\x0b" + message + b"\x1c\r")
            sock.recv(4096)  # the gateway's ACK: stored before it answers


def _text(page: str) -> str:
    """A page's text without its tags (a code is in a span of its own)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _connect(port: int) -> None:
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.01)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def test_a_device_s_ambiguous_value_without_a_unit_is_held_and_replay_names_it(tmp_path: Path) -> None:
    port = free_port()
    profile_file = _profile(tmp_path, port)
    unitless = _message("UNITLESS-1", "S-NO-UNIT", "", "C1")
    with_unit = _message("UNITLESS-2", "S-MG-DL", "mg/dL", "C2")

    endpoint = endpoint_from_profile(load_profile(profile_file), clock=MonotonicClock())
    app = create_app(make_settings(tmp_path), device_endpoints=[endpoint])
    with TestClient(app) as client:
        runtime = app.state.runtime
        db = runtime.databases.get()
        runtime.accounts.create("nurse", PASSWORD, Role.nurse, "en", actor="test-setup")
        _connect(port)
        _send(port, unitless, with_unit)
        observed = wait_for(
            lambda: list(db.query("SELECT * FROM observations WHERE device = 'unitless-meter'")), 1
        )
        assert [(round(o["value_num"], 1), o["unit"]) for o in observed] == [(1.7, "mmol/L")], (
            "the value sent with its unit is converted and assessed"
        )
        held = wait_for(
            lambda: [h for h in review.held_results(db) if h.result.device_id == "unitless-meter"], 1
        )
        (row,) = [h.as_dict() for h in held]
        assert list(row["why"]) == ["not_accepted"], row
        assert row["not_accepted_code"] == "unit_not_accepted" and SAID in row["not_accepted"], row
        patients = {r[0] for r in db.conn.execute("SELECT mrn FROM patients")}
        assert "UNITLESS-1" not in patients, "nothing decided on a guessed unit"

        client.post("/login", data={"username": "nurse", "password": PASSWORD})
        page = _text(client.get("/devices").text)
        assert "30 came without a unit, and more than one unit of glucose_random makes it plausible" in page
        csrf = runtime.sessions.get(client.cookies["triage_session"]).csrf_token
        client.post("/language", data={"csrf_token": csrf, "language": "zh"})
        chinese = _text(client.get("/devices").text)
        assert "30 没有单位，按 glucose_random 的多种单位都合理" in chinese

    capture = tmp_path / "meter.hl7"
    capture.write_bytes(b"\x0b" + unitless + b"\x1c\r" + b"\x0b" + with_unit + b"\x1c\r")
    profile = ("-p", "hl7", "--profile", str(profile_file))
    replay = _triage("--config", str(settings_file(tmp_path)), "devices", "replay", str(capture), *profile)
    assert replay.returncode == 1, replay.stderr
    assert SAID in replay.stderr, replay.stderr
    printed = [json.loads(line) for line in replay.stdout.splitlines() if line.startswith("{")]
    assert [round(o["value"], 1) for o in printed] == [1.7], "only the value with its unit is triaged"

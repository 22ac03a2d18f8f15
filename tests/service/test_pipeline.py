"""Device -> triage -> referral, live: real gateway on ptys, real simulators, real SQLite, no browser."""

from __future__ import annotations

import asyncio
import inspect
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral import facilities
from referral.transactions import write
from tests.service.conftest import make_settings
from triage.service import create_app
from triage.service.demo import DEMO_NURSE, FACILITIES_CSV, DemoDevices, admit_with_oximeter, demo_patient

# how long the live path may take on a machine busy with other tests (a passing run takes well under 1 s)
SERVER_WAIT_S = 60


def test_an_urgent_device_result_is_assessed_queued_and_a_referral_proposed(tmp_path: Path) -> None:
    devices = DemoDevices()
    settings = make_settings(tmp_path)
    app = create_app(settings.model_copy(update={"clinic_id": "ZJ-C01"}), device_endpoints=devices.endpoints)
    with TestClient(app) as client:
        runtime = app.state.runtime
        db = runtime.databases.get()
        rows = facilities.parse_csv(FACILITIES_CSV.read_text(encoding="utf-8"), "demo")
        write(db, lambda d: [facilities.upsert(d, f, actor="test", reason="directory") for f in rows])
        assert client.get("/readyz").json()["ready"] is True
        urgent = demo_patient(2, random.Random(1))  # every 4th-from-2 demo patient is hypoxic
        assert urgent.vitals["spo2"] == 86
        encounter_id = admit_with_oximeter(runtime, urgent)  # the demo's simulated nurse
        sent = time.monotonic()
        asyncio.run(devices.measure(urgent, 1))
        deadline = sent + SERVER_WAIT_S
        queue: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            queue = list(db.query("SELECT * FROM referrals"))
            if queue:
                break
            time.sleep(0.05)
        assert queue, "an urgent device result proposes a referral"
        assert queue[0]["status"] == "proposed", "proposed, never sent without a clinician"
        assessments = list(db.query("SELECT disposition, created_by FROM assessments"))
        assert assessments and assessments[-1]["created_by"] == "device-gateway"
        assert any(a["disposition"] in ("emergency_transfer", "urgent_referral") for a in assessments)
        mrns = [row[0] for row in db.conn.execute("SELECT mrn FROM patients")]
        assert mrns == [urgent.mrn]
        oximeter = wait_for(
            lambda: list(db.query("SELECT * FROM observations WHERE device = 'demo-oximeter'")), 2
        )
        assert {o["code"]: o["value_num"] for o in oximeter} == {
            "spo2": urgent.oximeter["spo2"],
            "heart_rate": urgent.oximeter["heart_rate"],
        }, "the oximeter's readings reach the patient it is attached to"
        assert {o["encounter_id"] for o in oximeter} == {encounter_id}
        # the referral may be proposed on the monitor's and oximeter's readings before the analyzer's
        # results are stored: wait for each device's (a fixed read here failed now and then under load)
        devices_seen = wait_for(lambda: list(db.conn.execute("SELECT DISTINCT device FROM observations")), 3)
        assert {row[0] for row in devices_seen} == {"demo-monitor", "demo-analyzer", "demo-oximeter"}
        encounters = list(db.query("SELECT id, created_by FROM encounters"))
        assert encounters == [{"id": encounter_id, "created_by": DEMO_NURSE}], "one encounter, the nurse's"
        links = {d["device"]: d for d in runtime.device_status()}
        assert set(links) == {"demo-analyzer", "demo-monitor", "demo-oximeter"}
        assert all(d["link_up"] for d in links.values())
        latency = runtime.metrics.render().decode()
        counted = re.search(r"^triage_device_result_to_queue_seconds_count (\S+)$", latency, re.M)
        assert counted is not None and float(counted.group(1)) >= 1, "device-to-queue latency is measured"
    asyncio.run(devices.close())


def wait_for(probe: Callable[[], list[Any]], count: int, timeout_s: float = SERVER_WAIT_S) -> list[Any]:
    """``probe()``'s rows once it returns at least ``count``. When ``timeout_s`` passes first, the
    test fails there, naming the probe (its file, line and code), the count waited for and what it
    last returned: it returned the rows it had, quietly, so a test went on with fewer than it waited
    for - a count never reached ran out the whole minute, and the test could pass all the same."""
    deadline = time.monotonic() + timeout_s
    rows = probe()
    while len(rows) < count:
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"waited {timeout_s:g} s for {count} rows from {_described(probe)}; it found"
                f" {len(rows)}: {rows!r:.2000}"
            )
        time.sleep(0.05)
        rows = probe()
    return rows


def _described(probe: Callable[[], object]) -> str:
    """Where ``probe`` is written (file:line) and its code, to say in a failure what was waited for."""
    code = probe.__code__
    try:
        source = " ".join(inspect.getsource(probe).split())
    except (OSError, TypeError):  # no source file (typed at a prompt)
        source = code.co_name
    return f"{Path(code.co_filename).name}:{code.co_firstlineno} ({source})"


def test_oximeter_readings_are_held_when_the_oximeter_is_not_attached(tmp_path: Path) -> None:
    devices = DemoDevices()
    app = create_app(make_settings(tmp_path), device_endpoints=devices.endpoints)
    with TestClient(app):
        runtime = app.state.runtime
        db = runtime.databases.get()
        well = demo_patient(1, random.Random(3))
        asyncio.run(devices.measure(well, 1))
        held = wait_for(
            lambda: list(db.query("SELECT * FROM device_results WHERE device_id = 'demo-oximeter'")), 2
        )
        assert len(held) == 2 and all(r["patient_id"] is None for r in held)
        wait_for(lambda: list(db.query("SELECT * FROM observations WHERE device = 'demo-monitor'")), 1)
        devices_seen = {row[0] for row in db.conn.execute("SELECT device FROM observations")}
        assert "demo-oximeter" not in devices_seen and "demo-monitor" in devices_seen
        assert runtime.metrics.device_results.labels("held")._value.get() >= 2
    asyncio.run(devices.close())


def test_a_wait_that_runs_out_fails_naming_what_it_waited_for() -> None:
    """wait_for returned the rows it had at its timeout, quietly: a test waiting for rows that never
    came went on (and could pass) with fewer. It now fails, saying what it waited for and found."""
    found = [{"code": "spo2"}]
    with pytest.raises(AssertionError) as failed:
        wait_for(lambda: found, 2, timeout_s=0.2)
    said = str(failed.value)
    assert said.startswith("waited 0.2 s for 2 rows from test_pipeline.py:"), said
    assert "lambda: found, 2" in said and "it found 1: [{'code': 'spo2'}]" in said, said
    assert wait_for(lambda: found, 1) == found, "a count reached returns the rows at once"

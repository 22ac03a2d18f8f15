"""Device -> triage -> referral, live: real gateway on ptys, real simulators, real SQLite, no browser."""

from __future__ import annotations

import asyncio
import random
import re
import time
from pathlib import Path

from fastapi.testclient import TestClient

from referral import facilities
from referral.transactions import write
from tests.service.conftest import make_settings
from triage.service import create_app
from triage.service.demo import FACILITIES_CSV, DemoDevices, demo_patient


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
        sent = time.monotonic()
        asyncio.run(devices.measure(urgent, 1))
        deadline = sent + 10
        queue: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            queue = list(db.query("SELECT * FROM referrals"))
            if queue:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - sent
        assert queue, "an urgent device result proposes a referral"
        assert queue[0]["status"] == "proposed", "proposed, never sent without a clinician"
        assessments = list(db.query("SELECT disposition, created_by FROM assessments"))
        assert assessments and assessments[-1]["created_by"] == "device-gateway"
        assert any(a["disposition"] in ("emergency_transfer", "urgent_referral") for a in assessments)
        mrns = [row[0] for row in db.conn.execute("SELECT mrn FROM patients")]
        assert mrns == [urgent.mrn]
        observations = {row[0] for row in db.conn.execute("SELECT device FROM observations")}
        assert observations == {"demo-monitor", "demo-analyzer"}, "the oximeter has no patient link"
        links = {d["device"]: d for d in runtime.device_status()}
        assert set(links) == {"demo-analyzer", "demo-monitor", "demo-oximeter"}
        assert all(d["link_up"] for d in links.values())
        assert elapsed < 10
        latency = runtime.metrics.render().decode()
        counted = re.search(r"^triage_device_result_to_queue_seconds_count (\S+)$", latency, re.M)
        assert counted is not None and float(counted.group(1)) >= 1, "device-to-queue latency is measured"
    asyncio.run(devices.close())

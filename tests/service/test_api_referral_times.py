"""When a referral was sent, accepted, reached, completed, declined or cancelled is kept in the
referral log (``sent_at`` ... ``cancelled_at``), and the exports carry it, but the API's referral
answered only ``created_at`` and ``updated_at``: a client reporting how long patients waited to be
sent or to arrive read every change feed entry for it. Now each time, null until reached. Real
uvicorn on a real SQLite file; answers checked against /openapi.json."""

from __future__ import annotations

from datetime import datetime

from tests.service.served import Served, served
from triage.service.auth import Role

__all__ = ["served"]

STEPS = ("sent", "accepted", "arrived", "completed", "declined", "cancelled")


def test_a_referral_says_when_it_reached_each_status(served: Served) -> None:
    sync = served.sync
    made = served.referral("TIMES-1", "SpO2 86 %")
    assert all(made[f"{step}_at"] is None for step in STEPS), made
    status = f"/api/v1/referrals/{made['id']}/status"
    seen = [datetime.fromisoformat(made["created_at"])]
    for step in ("sent", "accepted", "arrived", "completed"):
        body: dict[str, object] = {"status": step}
        if step == "completed":
            body["feedback"] = {"justified": True}
        moved = sync.call("POST", status, Role.clinician, body)
        seen.append(datetime.fromisoformat(moved[f"{step}_at"]))
    assert seen == sorted(seen), seen
    read = sync.call("GET", f"/api/v1/referrals/{made['id']}", Role.analyst)
    assert read["completed_at"] == moved["completed_at"] and read["declined_at"] is None
    cancelled = served.referral("TIMES-2", "SpO2 86 %")
    gone = sync.call(
        "POST",
        f"/api/v1/referrals/{cancelled['id']}/status",
        Role.clinician,
        {"status": "cancelled", "note": "x"},
    )
    assert gone["cancelled_at"] is not None and gone["sent_at"] is None

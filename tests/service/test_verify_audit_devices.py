"""`triage referrals verify-audit` over the device side of a log the real service wrote: a held
result assigned and one dismissed, a device attached and detached, a glucose a referral was made
from corrected twice by the lab (the basis change acknowledged, then closed by cancelling the
referral, the rejected correction dismissed) - all through the API and the real pipeline. The log
matches its trail; a row of each of the four tables edited with plain sqlite3 is named."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from tests.service.conftest import Staff
from tests.service.test_corrections import deliver, result, rows
from tests.service.test_held_results import assign, dismiss
from tests.service.test_referral_basis import cli, keep, proposed_on, status
from triage.service.auth import Role


def _used(staff: Staff) -> Path:
    referral_id, encounter_id = proposed_on(staff, "28.0")
    deliver(staff, result("8.2", "corrected"))
    assert keep(staff, referral_id, "rechecked at the bedside: 27.6").status_code == 200
    deliver(staff, result("80", "corrected"))  # implausible: held, the reading withdrawn, flagged again
    assert status(staff, referral_id, "cancelled", "lab error, seen locally").status_code == 200
    (held_correction,) = rows(staff, "SELECT result_id FROM observation_corrections WHERE state = 'held'")
    assert dismiss(staff, int(held_correction["result_id"]), "lab confirmed 8.2").status_code == 200

    (loose,) = deliver(staff, replace(result("6.1", patient_id=None), sample_id="S-200"))
    assert assign(staff, loose, encounter_id, "label torn, her sample").status_code == 201
    (strip,) = deliver(staff, replace(result("2.0", patient_id=None), sample_id="S-300"))
    assert dismiss(staff, strip, "test strip").status_code == 200

    client, headers = staff.client, staff.bearer(Role.nurse)
    attached = client.post(
        "/api/v1/devices/lab-analyzer/association", json={"encounter_id": encounter_id}, headers=headers
    )
    assert attached.status_code == 201, attached.text
    detached = client.delete(
        "/api/v1/devices/lab-analyzer/association", params={"reason": "moved"}, headers=headers
    )
    assert detached.status_code == 200, detached.text
    return Path(staff.app.state.runtime.settings.database.path)


@pytest.mark.parametrize(
    ("sql", "table", "row_id"),
    [
        (None, None, None),
        ("UPDATE device_associations SET end_reason = 'expired'", "device_associations", 1),
        (
            "UPDATE device_result_reviews SET reason = 'hers' WHERE state = 'dismissed'",
            "device_result_reviews",
            None,
        ),
        ("UPDATE observation_corrections SET replaces_id = NULL WHERE id = 1", "observation_corrections", 1),
        (
            "UPDATE referral_basis_changes SET resolution_reason = 'fine' WHERE id = 1",
            "referral_basis_changes",
            1,
        ),
    ],
)
def test_the_service_s_device_writes_match_the_trail_and_an_edit_is_named(
    staff: Staff, sql: str | None, table: str | None, row_id: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _used(staff)
    counts = {
        name: rows(staff, f"SELECT count(*) AS n FROM {name}")[0]["n"]
        for name in ("device_associations", "device_result_reviews", "observation_corrections")
    }
    assert counts == {"device_associations": 1, "device_result_reviews": 2, "observation_corrections": 2}
    if sql is None:
        code, out, err = cli(capsys, staff, "verify-audit")
        assert code == 0, err
        assert "1 device_association, 2 device_result_reviews, 2 observation_corrections" in out
        assert "2 referral_basis_changes)" in out
        return
    raw = sqlite3.connect(path)
    raw.execute(sql)
    raw.commit()
    raw.close()
    code, _, err = cli(capsys, staff, "verify-audit")
    assert code == 1, err
    named = f"but {table} row {row_id if row_id is not None else ''}"
    assert named in err and "edited outside the application" in err, err

"""Who reads the referrals through the API: the clinical roles and the analyst - the read-only role,
which a district system keeping a copy of the referrals (an EHR sync) gets its token for. An
integrator's token (device bridges, walk-in submission) is refused, and the refusal says which
account such a client needs, not only the roles' names. (The app on a real SQLite file.)"""

from __future__ import annotations

from tests.service.conftest import Staff
from tests.service.test_api_paging import _referral
from triage.service.auth import Role


def test_a_sync_client_reads_referrals_with_an_analyst_token_and_an_integrator_is_told_so(
    staff: Staff,
) -> None:
    made = _referral(staff, "RR-1")
    paths = ("/api/v1/referrals", f"/api/v1/referrals/{made}", "/api/v1/changes/referrals?after=0")
    for path in paths:
        read = staff.client.get(path, headers=staff.bearer(Role.analyst))
        assert read.status_code == 200 and str(made) in read.text, (path, read.text)
        refused = staff.client.get(path, headers=staff.bearer(Role.integrator))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text
        assert refused.json()["error"] == (
            'role "integrator" may not do this; allowed roles: clinician, nurse, admin, analyst;'
            " a client that only reads (a hospital or district system keeping a copy of the"
            " referrals, visits and assessments) uses the token of an analyst account, which reads"
            " them, their change feeds and facilities and writes nothing"
        ), refused.text
        assert "fields" not in refused.json()
    # the analyst's token writes nothing
    status = staff.client.post(
        f"/api/v1/referrals/{made}/status", json={"status": "sent"}, headers=staff.bearer(Role.analyst)
    )
    assert status.status_code == 403, status.text

"""What the API answers of a referral agrees with what was recorded and with the pages.

- The receiving hospital's feedback, recorded when a referral is completed (the referrals page, or
  ``POST .../status`` ``completed``), was nowhere in ``ReferralOut``: a client that completed a
  referral could not read back whether it was judged needed, nor the diagnosis. Now ``justified``
  and ``feedback`` (null until completed); the analyst reads ``justified`` and no free text.
- Triage's own reason ("proposed by triage: <rules>") was null for the analyst's token though the
  analyst's referrals page shows it: the engine's rule names are no person's text, and they tell
  which referrals triage proposed and why. Both keep it now, and both withhold a person's text that
  merely begins with the same words.

Real uvicorn on a real SQLite file; every answer checked against /openapi.json. The module's two
tests share one service (:func:`served`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, PASSWORD, WALK_IN
from tests.service.served import Served, triage_proposal
from tests.service.served_once import served_in
from triage.service.auth import Role


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Served]:
    """One service for both tests (each started its own). They do not interfere: each refers
    patients of its own (FEEDBACK-1; REASON-1 and REASON-2) and reads the referrals' change feed
    from a cursor taken at its start (:func:`_referrals_from_now`), the list by its referral's id."""
    with served_in(tmp_path_factory.mktemp("feedback"), seeded) as shared:
        yield shared


def _referrals_from_now(served: Served) -> str:
    """The referrals' change feed from this moment on: the path that lists the referrals changed
    after it (a cursor and its hash, docs/service.md's "Change feeds"; cursor 0, no hash, while
    none is)."""
    feed = served.sync.call("GET", "/api/v1/changes/referrals?after=0&limit=1000", Role.admin)
    since = f"/api/v1/changes/referrals?after={feed['cursor']}"
    return since + (f"&after_hash={feed['cursor_hash']}" if feed["cursor_hash"] else "")


FORGED = "proposed by triage: call her daughter Li Na on 13800138000"


def test_a_completed_referral_reads_back_the_hospitals_feedback(served: Served) -> None:
    sync, since = served.sync, _referrals_from_now(served)
    made = served.referral("FEEDBACK-1", "SpO2 86 % on air")
    assert made["justified"] is None and made["feedback"] is None, "not completed yet"
    status = f"/api/v1/referrals/{made['id']}/status"
    for step in ("sent", "accepted", "arrived"):
        sync.call("POST", status, Role.clinician, {"status": step})
    feedback = {"justified": False, "diagnosis": "COPD, stable", "note": "Dr Zhang rang the clinic"}
    done = sync.call("POST", status, Role.clinician, {"status": "completed", "feedback": feedback})
    assert (done["justified"], done["feedback"]) == (False, feedback)
    for role in (Role.clinician, Role.nurse):
        assert sync.call("GET", f"/api/v1/referrals/{made['id']}", role)["feedback"] == feedback
        listed: list[dict[str, Any]] = sync.call("GET", "/api/v1/referrals", role)
        assert [r["feedback"] for r in listed if r["id"] == made["id"]] == [feedback]
        (feed,) = [change["referral"] for change in sync.call("GET", since, role)["data"]]
        assert feed["id"] == made["id"] and feed["feedback"] == feedback and feed["justified"] is False
    analyst = sync.call("GET", f"/api/v1/referrals/{made['id']}", Role.analyst)
    assert analyst["justified"] is False
    assert analyst["feedback"] == {"justified": False, "diagnosis": None, "note": None}


def test_triage_s_own_reason_reads_alike_in_the_analysts_api_and_page(served: Served) -> None:
    sync, since = served.sync, _referrals_from_now(served)
    forged = served.referral("REASON-1", FORGED)
    walk_in = sync.call(
        "POST", "/api/v1/assessments", Role.nurse, {**WALK_IN, "patient": {"mrn": "REASON-2"}}
    )
    proposed = triage_proposal(served.app, int(walk_in["id"]))
    assert str(proposed["reason"]).startswith("proposed by triage: ")
    rules = str(proposed["reason"]).removeprefix("proposed by triage: ")
    read = sync.call("GET", f"/api/v1/referrals/{proposed['id']}", Role.analyst)
    assert read["reason"] == proposed["reason"], "the engine's rule names, no person's text"
    assert sync.call("GET", f"/api/v1/referrals/{forged['id']}", Role.analyst)["reason"] is None
    feed = sync.call("GET", since, Role.analyst)["data"]
    assert {r["referral"]["id"]: r["referral"]["reason"] for r in feed} == {
        forged["id"]: None,
        proposed["id"]: proposed["reason"],
    }
    with httpx.Client(
        base_url=str(sync.client.base_url), follow_redirects=True, timeout=HTTP_TIMEOUT_S
    ) as browser:
        answer = browser.post("/login", data={"username": "analyst", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        page = browser.get("/referrals").text
    assert page.count("Proposed by triage: ") == 1, "triage's reason, with its rules named"
    assert rules.split("; ")[0] not in page, "named in words, as for the clinical roles"
    assert "13800138000" not in page and "Li Na" not in page

"""Triage's referral proposal: one rule for every path a decision is made on.

A decision asking for a referral (emergency transfer, urgent or routine referral) proposes one, in
status ``proposed`` to the first secondary or tertiary facility of the directory, its reason naming
the rules whose action applies ("proposed by triage: <rule>; ..."): never sent, a clinician confirms
or cancels it on the patient page. The paths: a device's results (``pipeline``), a held result a
person assigns (``held``), a correction from the device (``corrections``), and the staff pages'
decisions - vital signs recorded, "assess now" (``pages/entry.py``) and a clinician's override of
the visit's latest decision (``pages/staff.py``, :func:`propose_for_override`: its reason names
:data:`CLINICIAN_OVERRIDE` instead of rules). The API's assessments and overrides do not: an API
client makes its own referrals (``POST /api/v1/referrals``), and a proposal would refuse them as
``open_referral_exists``.

None is proposed while the visit has an open referral; when that is triage's own proposal, not yet
sent, and the new decision is more urgent, the proposal is raised to it (audited
``referral.urgency_raised``) - never lowered, and a referral a person made or sent is left as it is.
``[service] propose_referrals = false`` turns proposals off on every path. A decision that no
longer sends the patient on (an override to local care) leaves an open proposal as it is, unsent:
a clinician confirms or cancels it, and the patient page says so beside it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlite_utils import Database

from referral import facilities, referrals, store
from referral.records import ReferralIn
from triage.service.clinic import CLINICIAN_OVERRIDE, PROPOSED_BY_TRIAGE, REFERRAL_URGENCY
from triage.service.runtime import Runtime

log = logging.getLogger("triage.service.proposals")


def propose(
    runtime: Runtime, db: Database, assessment: dict[str, Any], *, actor: str
) -> dict[str, Any] | None:
    """The referral this assessment's decision asks for, proposed or raised (None: none asked for,
    proposals turned off, one a person made or sent already open, or no facility to send to)."""
    if not runtime.settings.service.propose_referrals:
        return None
    return propose_referral(runtime, db, assessment, actor=actor)


def propose_for_override(
    runtime: Runtime, db: Database, assessment: dict[str, Any], disposition: str, *, actor: str
) -> dict[str, Any] | None:
    """:func:`propose` for a clinician's override of ``assessment`` to ``disposition``: proposed or
    raised as for a decision of the engine, when the override changed the decision in force - that
    of the visit's latest assessment (an override of an older one decides nothing now). Also after
    the visit closed (a result read after the patient left): a referral outlives its visit, and a
    decision that sends the patient on with nobody asked to send it is what proposals prevent."""
    latest = store.latest_assessment(db, int(assessment["encounter_id"]))
    if latest is None or int(latest["id"]) != int(assessment["id"]):
        return None
    reasons = [{"rule": CLINICIAN_OVERRIDE, "values": {}}]
    decided = {**assessment, "disposition": disposition, "payload": {"reasons": reasons}, "overridden": True}
    return propose(runtime, db, decided, actor=actor)


def propose_referral(
    runtime: Runtime, db: Database, assessment: dict[str, Any], *, actor: str
) -> dict[str, Any] | None:
    """:func:`propose` whatever the settings say (the settings are checked by the caller)."""
    urgency = REFERRAL_URGENCY.get(str(assessment["disposition"]))
    if urgency is None:
        return None
    # the rules whose action applies: not those only supporting a more urgent one (deferred_to)
    reasons = [
        r for r in assessment["payload"].get("reasons") or [] if "deferred_to" not in r.get("values", {})
    ]
    text = "; ".join(str(r.get("rule")) for r in reasons[:4]) or str(assessment["disposition"])
    if going := referrals.open_referrals(db, int(assessment["encounter_id"]), limit=1):
        # the encounter's referral is still going on (referral.lifecycle.OPEN_STATUSES): only
        # triage's own proposal nobody has sent yet follows a decision that rose
        return raise_proposal(
            runtime, db, going[0], assessment, urgency, f"{PROPOSED_BY_TRIAGE}{text}", actor
        )
    targets = [f for f in facilities.list_all(db) if f["tier"] != "primary"]
    if not targets:
        log.warning("no secondary or tertiary facility in the directory: referral not proposed")
        return None
    row = referrals.create_referral(
        db,
        ReferralIn(
            assessment_id=int(assessment["id"]),
            to_facility=str(targets[0]["id"]),
            urgency=urgency,
            reason=f"{PROPOSED_BY_TRIAGE}{text}",
        ),
        actor=actor,
    )
    runtime.metrics.referrals_proposed.inc()
    runtime.hub.publish("queue", encounter_id=row["encounter_id"], referral_id=row["id"])
    return row


def raise_proposal(
    runtime: Runtime,
    db: Database,
    referral: dict[str, Any],
    assessment: dict[str, Any],
    urgency: str,
    reason: str,
    actor: str,
) -> dict[str, Any] | None:
    """Triage's open proposal takes a later decision's higher urgency (urgent, then an
    emergency transfer decided): raised, never lowered, and only while proposed and triage's
    own (``referrals.raise_urgency`` checks again in its transaction: a clinician may send it
    meanwhile); a referral a person made or sent is theirs."""
    if referral["status"] != "proposed" or not str(referral["reason"]).startswith(PROPOSED_BY_TRIAGE):
        return None
    by = " by a clinician's override" if assessment.get("overridden") else ""
    why = (
        f"the decision rose{by} to {assessment['disposition']} (assessment {assessment['id']}) while this"
        f" referral was proposed as {referral['urgency']} and not yet sent: urgency raised to {urgency}"
    )
    row = referrals.raise_urgency(
        db,
        int(referral["id"]),
        urgency,
        assessment_id=int(assessment["id"]),
        reason=reason,
        actor=actor,
        why=why,
    )
    if row is not None:
        runtime.hub.publish("queue", encounter_id=row["encounter_id"], referral_id=row["id"])
    return row

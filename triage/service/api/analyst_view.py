"""What the analyst's token reads of the records it may copy (the referrals, one assessment, the change
feeds of referrals, visits and assessments): no staff identity and no free text, as the
de-identified analytics export (docs/analytics-export.md: "no names ... no free text").

- A member of staff (``created_by``, ``closed_by``, a basis review's ``resolved_by``) is named by a
  pseudonym, ``staff-`` and 16 hex digits: an HMAC of the user name with the clinic's pseudonym
  secret (``referral.clinic.pseudonym``, kind ``staff``), the same for one account on every row and
  every request, so an analysis can still count the work of one account or tell two apart, and
  nobody outside the clinic can turn it back into the name. The service's own actors
  (:data:`SERVICE_ACTORS`: the device gateway, the expiry of a device association ...) are not
  people and keep their names, so a visit a device opened reads ``device-gateway``.
- Free text a person wrote - a visit's ``close_reason``, a referral's ``reason``, a basis review's
  ``resolution_reason``, the receiving hospital's ``diagnosis`` and ``note`` of a completed
  referral's ``feedback`` - is ``null``: it may name anyone (the patient, a relative, a colleague, a
  telephone number), and no rule can find that in text. The feedback's ``justified`` (yes or no) is
  kept: the tier-imbalance analysis reads it, as the de-identified export carries it.
- The reason triage wrote when it proposed a referral (``proposed by triage: <rule>; <rule>``) is
  kept (:func:`triage_reason`): it is the engine's rule names, no person's text, and it tells the
  analyst which referrals triage proposed and on which rules - the analyst's referrals page shows
  it, and the API blanked it until 2026-12-06. It is kept only when every name after the prefix is
  one the engine writes (a rule, ``model:<name>``, a disposition, ``clinician_override`` for a
  proposal that followed a clinician's override: who it was is not said): a person's reason that merely
  begins with the same words is free text, ``null``.

The clinical roles read every field as stored. Until 2026-12-06 the analyst read the user names and
the text too."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlite_utils import Database

from referral.associations import EXPIRY_ACTOR
from referral.clinic import SECRET_KEY, get_setting, pseudonym
from triage.assessment import Disposition
from triage.rules import RULES_BY_NAME
from triage.service.auth import Principal, Role
from triage.service.clinic import CLINICIAN_OVERRIDE, PROPOSED_BY_TRIAGE

#: Actors that are the service itself, not a person: kept as they are.
SERVICE_ACTORS = frozenset(
    {
        "device-gateway",  # results from the devices (triage.service.pipeline.ACTOR, referral.inbox)
        EXPIRY_ACTOR,  # a device association that expired
        "clinic-triage",  # the log's own upgrades (referral.migrations)
        "first-run-setup",  # the first administrator, made by /setup
        "triage-demo",  # the demo's setup
    }
)
#: Free text a person wrote, ``null`` for the analyst.
FREE_TEXT = ("close_reason", "reason", "resolution_reason")
#: Fields that name who did something.
STAFF = ("created_by", "closed_by", "resolved_by")
#: A risk model's name as a proposal's reason names it (``model:cvd10``).
_MODEL = re.compile(r"model:[a-z][a-z0-9_]{0,63}")
_TRIAGE_NAMES = frozenset(d.value for d in Disposition) | {CLINICIAN_OVERRIDE}


def triage_reason(reason: object) -> str | None:
    """``reason`` when it is the one triage writes proposing a referral - ``proposed by triage: ``
    and names the engine writes (rules, ``model:<name>``, a disposition, ``clinician_override``),
    ``; ``-separated - else None: a person's text, whatever its first words."""
    if not isinstance(reason, str) or not reason.startswith(PROPOSED_BY_TRIAGE):
        return None
    names = reason.removeprefix(PROPOSED_BY_TRIAGE).split("; ")
    engine = all(n in RULES_BY_NAME or n in _TRIAGE_NAMES or _MODEL.fullmatch(n) for n in names)
    return reason if engine else None


def is_analyst(who: Principal) -> bool:
    return who.role is Role.analyst


class StaffPseudonyms:
    """Staff names as the analyst reads them, with the log's pseudonym secret (read once)."""

    def __init__(self, db: Database) -> None:
        value = get_setting(db, SECRET_KEY)
        # (no secret: no patient was ever registered, so no record names anyone yet)
        self._secret = bytes.fromhex(value) if value is not None else b""

    def of(self, actor: str | None) -> str | None:
        if actor is None or actor in SERVICE_ACTORS:
            return actor
        return f"staff-{pseudonym(self._secret, 'staff', actor)[:16]}"

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` (a referral, visit, assessment or basis change as the API answers it) without
        staff names and free text: each present field of :data:`STAFF` a pseudonym, of
        :data:`FREE_TEXT` null (triage's own reason kept, :func:`triage_reason`), a completed
        referral's feedback its ``justified`` alone."""
        shown = dict(row)
        for field in STAFF:
            if field in shown:
                shown[field] = self.of(shown[field])
        for field in FREE_TEXT:
            if field in shown:
                shown[field] = triage_reason(shown[field]) if field == "reason" else None
        feedback = shown.get("feedback")
        if isinstance(feedback, str) and feedback:  # a row read from the log: its JSON text
            feedback = json.loads(feedback)
        if isinstance(feedback, dict):
            shown["feedback"] = feedback | {"diagnosis": None, "note": None}
        return shown

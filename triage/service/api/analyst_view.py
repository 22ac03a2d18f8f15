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
  ``resolution_reason`` - is ``null``: it may name anyone (the patient, a relative, a colleague, a
  telephone number), and no rule can find that in text.

The clinical roles read every field as stored. Until 2026-12-06 the analyst read the user names and
the text too."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from referral.associations import EXPIRY_ACTOR
from referral.clinic import SECRET_KEY, get_setting, pseudonym
from triage.service.auth import Principal, Role

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
        :data:`FREE_TEXT` null."""
        shown = dict(row)
        for field in STAFF:
            if field in shown:
                shown[field] = self.of(shown[field])
        for field in FREE_TEXT:
            if field in shown:
                shown[field] = None
        return shown

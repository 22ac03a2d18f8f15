"""The encounter page's "Close visit" form; what a closed encounter shows (the banner: when, by
whom, why, and which devices the close detached) is ``staff.closure_context``. The work is
``triage.service.closure``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from triage.errors import UserInputError
from triage.service import closure as closing
from triage.service.api.deps import RecordId, runtime_of
from triage.service.auth import CLINICAL_WRITE, Principal, allow
from triage.service.pages.forms import FormKey, FormState, field_error
from triage.service.pages.rendering import stored
from triage.service.pages.staff import show_encounter

router = APIRouter()
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]


@router.post("/encounters/{encounter_id}/close")
def close(
    request: Request,
    encounter_id: RecordId,
    who: Writer,
    reason: Annotated[str, Form(max_length=2000)] = "",  # the log says when it is over REASON_LIMIT
    without_referral: Annotated[str, Form(max_length=1)] = "",
    form_key: FormKey = "",
) -> Response:
    rt = runtime_of(request)
    if not reason.strip():
        # beside the field on the patient page, as the entry forms' errors (the error page showed
        # no form)
        empty = UserInputError(
            "reason: closing a visit needs a reason (the field was empty)", says="error.reason_empty_close"
        )
        sent = FormState({"reason": reason}, {"reason": field_error(who.language, empty, rt.clock)})
        return show_encounter(request, who, encounter_id, 422, {"close": sent})
    closing.close_encounter(
        rt,
        rt.databases.get(),
        encounter_id,
        actor=who.username,
        reason=reason,
        without_referral=without_referral == "1",
        key=form_key or None,  # sent again: answered the close the first one made
    )
    return stored(request, f"/encounters/{encounter_id}", "closed")

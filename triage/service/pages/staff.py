"""Staff screens: the encounter view with its actions, referrals, devices (today's queue: ``pages/queue.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlite_utils import Database

from referral import closure, facilities, lifecycle, patients, referrals, store
from referral import encounter_context as visit_history
from referral.clock import Clock
from referral.closure import REASON_LIMIT
from referral.errors import TransitionError
from referral.records import OLDEST_YEARS, FeedbackIn
from triage.assessment import Disposition
from triage.errors import UserInputError
from triage.service import proposals
from triage.service.api.deps import RecordId, runtime_of
from triage.service.api.deps import clinic as clinic_dep
from triage.service.auth import CLINICAL_READ, CLINICAL_WRITE, CLINICIAN_ONLY, Principal, Role, allow
from triage.service.clinic import CLINICIAN_OVERRIDE, PROPOSED_BY_TRIAGE, REFERRAL_URGENCY
from triage.service.pages import sources, vitals
from triage.service.pages.association import device_rows, encounter_context
from triage.service.pages.basis import by_referral
from triage.service.pages.forms import (
    HISTORY_QUESTIONS,
    FormKey,
    FormState,
    field_error,
    history_form_values,
    keyed,
    reading_groups,
    sent_back,
)
from triage.service.pages.held import correction_context, held_context
from triage.service.pages.rendering import render, stored
from triage.service.pages.symptoms import symptoms_context

router = APIRouter()
Reader = Annotated[Principal, Depends(allow(*CLINICAL_READ))]
Clinician = Annotated[Principal, Depends(allow(*CLINICIAN_ONLY))]
Staff = Annotated[Principal, Depends(allow(Role.clinician, Role.nurse, Role.integrator, Role.admin))]


def _model_titles(request: Request) -> dict[tuple[str, str], str]:
    """The risk models' card titles by (name, version): the hover of a model's code on the patient
    page - the loaded ones', and every other version their registry lists (a retired one, such as
    ckd 1.0.0, that an assessment stored before 1.1.0 names; it showed its code alone)."""
    from triage.riskmodels_cards import registered_titles

    clinic = runtime_of(request).extras.get("clinic")
    models = getattr(getattr(getattr(clinic, "engine", None), "models", None), "models", None) or {}
    folders = {model.path.parent.parent for model in models.values() if getattr(model, "path", None)}
    registered = {key: title for folder in folders for key, title in registered_titles(folder).items()}
    return registered | {(name, model.version): model.card.title for name, model in models.items()}


def _referral_targets(request: Request) -> list[dict[str, Any]]:
    db = runtime_of(request).databases.get()
    return [f for f in facilities.list_all(db) if f["tier"] != "primary"]


def readings_not_assessed(
    observations: list[dict[str, Any]], payload: dict[str, Any] | None, replaced: dict[int, Any]
) -> list[dict[str, Any]]:
    """The visit's readings in force that the latest assessment did not see - neither used nor
    listed as ignored by it: a reading typed in on its own is stored, not assessed, until someone
    presses "assess now". Every reading in force when the visit has no assessment yet."""
    seen: set[tuple[str, object]] = set()
    for item in (payload or {}).get("observations_used", []) + (payload or {}).get(
        "ignored_observations", []
    ):
        seen.add((str(item.get("code")), _instant(item.get("observed_at"))))
    return [
        o
        for o in observations
        if o["id"] not in replaced
        and o["status"] in ("final", "preliminary", "corrected")
        and (o["code"], _instant(o["observed_at"])) not in seen
    ]


def readings_not_used(observations: list[dict[str, Any]], payload: dict[str, Any] | None) -> set[int]:
    """The readings the latest assessment saw and did not use (its ``ignored_observations``: a
    later reading of the same code, one too old, a QC result...), which the readings table marks
    so a typo entered again reads as replaced, not as a second value in force. A code and time
    the assessment both used and ignored (a monitor and an oximeter in the same second) is left
    unmarked: which row it used is not known."""
    used = {
        (str(i.get("code")), _instant(i.get("observed_at")))
        for i in (payload or {}).get("observations_used", [])
    }
    ignored = {
        (str(i.get("code")), _instant(i.get("observed_at")))
        for i in (payload or {}).get("ignored_observations", [])
    }
    return {int(o["id"]) for o in observations if (o["code"], _instant(o["observed_at"])) in ignored - used}


#: The corrected details a decision depended on (``patients.CORRECTABLE`` less the name, which
#: changes no score). Sex: China-PAR, the Pooled Cohort Equations, FINDRISC, the Chinese Diabetes
#: Risk Score, eGFR (CKD-EPI 2021) and the cvd10/stroke10 models; age (from the birth date): those
#: and CRB-65 and the diabetes and ckd models (the message ``patient.depends_<details>`` names them).
DECISION_DETAILS = ("sex", "birth_date")


def details_corrected_after(
    corrections: list[dict[str, Any]], assessment: dict[str, Any] | None, encounter: dict[str, Any]
) -> list[dict[str, Any]]:
    """The details the decision shown depended on that were corrected after it, in
    :data:`DECISION_DETAILS` order: ``detail``, ``before`` (as the decision had it) and ``after``
    (as stored now); for the birth date also ``age_before`` and ``age_after``, the ages the two
    dates give on the visit's day. A detail corrected back, or a birth date whose correction gives
    the visit the same age, is left out: that decision was made with it right. Empty until the
    visit is assessed again."""
    if assessment is None:
        return []
    made = datetime.fromisoformat(str(assessment["created_at"]))
    since = [c for c in corrections if datetime.fromisoformat(str(c["at"])) >= made]
    started = datetime.fromisoformat(str(encounter["started_at"]))
    found: list[dict[str, Any]] = []
    for detail in DECISION_DETAILS:
        changes = [c for c in since if detail in c["after"]]
        if not changes:
            continue
        before, after = changes[0]["before"].get(detail), changes[-1]["after"][detail]
        change: dict[str, Any] = {"detail": detail, "before": before, "after": after}
        if detail == "birth_date":
            change["age_before"] = store.age_at(before, started)
            change["age_after"] = store.age_at(after, started)
            if before is not None and change["age_before"] == change["age_after"]:
                continue
        if before != after:
            found.append(change)
    return found


def _instant(text: object) -> object:
    """A stored time as an instant (``Z`` and ``+00:00``, ``+08:00`` compare as the same moment)."""
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return text


#: Who moved each referral ``r`` to its status and when: its latest status event, joined in the
#: one query of a page's referrals (none while only proposed).
_STATUS_BY = "se.actor AS status_by, se.at AS status_at"
_STATUS_EVENT = (
    " LEFT JOIN referral_events se ON se.id = (SELECT max(x.id) FROM referral_events x"
    " WHERE x.referral_id = r.id AND x.from_status IS NOT NULL)"
)


def above_decision(refs: list[dict[str, Any]], final: str | None) -> set[int]:
    """The referrals still proposed more urgently than the visit's decision (``final``) - one that
    sends the patient on no longer (a clinician's override to local care, later results), or a
    milder referral (a proposal is never lowered): kept, unsent, for a clinician to confirm or
    cancel - an override never cancels or lowers one by itself."""
    if final is None:
        return set()
    needed = REFERRAL_URGENCY.get(final)
    rank = ("routine", "urgent", "emergency").index
    return {
        int(r["id"])
        for r in refs
        if r["status"] == "proposed" and (needed is None or rank(str(r["urgency"])) > rank(needed))
    }


def below_decision(refs: list[dict[str, Any]], final: str | None) -> set[int]:
    """The open referrals less urgent than the visit's decision (``final``): proposed on earlier
    results (triage proposes once per visit), or made before the decision rose."""
    needed = REFERRAL_URGENCY.get(final or "")
    if needed is None:
        return set()
    rank = ("routine", "urgent", "emergency").index
    return {
        int(r["id"])
        for r in refs
        if r["status"] in lifecycle.OPEN_STATUSES and rank(str(r["urgency"])) < rank(needed)
    }


@router.get("/encounters/{encounter_id}")
def encounter_page(request: Request, encounter_id: RecordId, who: Reader) -> Response:
    return show_encounter(request, who, encounter_id)


def closure_context(db: Database, encounter: dict[str, Any], who: Principal) -> dict[str, Any]:
    """``closed`` (the encounter is closed), the devices its close detached, and whether this
    user may close it."""
    closed = encounter.get("closed_at") is not None
    return {
        "closed": closed,
        "detached_at_close": closure.ended_by_close(db, int(encounter["id"])) if closed else [],
        "can_close": not closed and who.role in CLINICAL_WRITE,
        # the decision sends the patient on and no referral was made: the form asks to confirm
        "unreferred": None if closed else closure.unreferred_decision(db, int(encounter["id"])),
        "close_reason_limit": REASON_LIMIT,
    }


def show_encounter(
    request: Request,
    who: Principal,
    encounter_id: int,
    status_code: int = 200,
    forms: dict[str, FormState] | None = None,
) -> Response:
    """The patient page; ``forms``: an entry form sent back with what was typed and its errors
    (``reading``, ``vitals``), shown again in place of the blank one."""
    db, clinic = runtime_of(request).databases.get(), runtime_of(request).clock
    encounter = store.get_encounter(db, encounter_id)
    patient = store.get_patient(db, int(encounter["patient_id"]))
    latest = store.latest_assessment(db, encounter_id)
    final = store.final_disposition(db, latest) if latest else None
    overrides = store.overrides_for(db, int(latest["id"])) if latest else []
    observations = store.list_observations(db, encounter_id)
    corrections = correction_context(db, encounter_id, clinic)
    refs = list(
        db.query(
            f"SELECT r.*, f.name AS facility_name, {_STATUS_BY} FROM referrals r"
            " LEFT JOIN facilities f ON f.id = r.to_facility"
            f"{_STATUS_EVENT} WHERE r.encounter_id = ? ORDER BY r.id DESC",
            [encounter_id],
        )
    )
    return render(
        request,
        "encounter.html",
        who,
        status_code=status_code,
        page_path=f"/encounters/{encounter_id}",
        forms=sent_back(forms),
        encounter=encounter,
        patient=patient,
        observations=observations,
        stored_by=sources.stored_by(db, encounter_id),  # who sent (API) or typed each reading
        not_used=readings_not_used(observations, latest["payload"] if latest else None),
        unassessed=readings_not_assessed(
            observations, latest["payload"] if latest else None, corrections["replaced_by"]
        ),
        assessment=latest,
        final=final,
        overrides=overrides,
        earlier_override=store.earlier_override(db, latest) if latest else None,
        referrals=refs,
        open_referrals=[r for r in refs if r["status"] in lifecycle.OPEN_STATUSES],
        below_decision=below_decision(refs, final),
        above_decision=above_decision(refs, final),
        referring=tuple(REFERRAL_URGENCY),  # the decisions that send the patient on
        basis=by_referral(db, [r["id"] for r in refs], clinic),
        targets=_referral_targets(request),
        model_titles=_model_titles(request),
        # a printed page says which day its times (18:47:17) are and when it was printed
        printed_at=clinic.now().strftime("%Y-%m-%d %H:%M"),
        # and the clinic the visit is at (the letter a GP sends with the patient): its directory entry
        clinic_facility=facilities.get(db, encounter["facility_id"])
        if encounter.get("facility_id")
        else None,
        dispositions=[d.value for d in Disposition],
        can_decide=who.role in CLINICIAN_ONLY,
        can_record=who.role in CLINICAL_WRITE,
        reading_groups=reading_groups(),
        vital_fields=vitals.FIELDS,
        temperature_units=vitals.TEMPERATURE_UNITS,
        history_questions=HISTORY_QUESTIONS,
        history=history_form_values(visit_history.stated(encounter)),
        **symptoms_context(
            db,
            encounter,
            patient,
            latest["payload"] if latest else None,
            sent_back(forms)["assess"],
            who.language,
        ),
        referral_urgency=REFERRAL_URGENCY.get(final or "", "routine"),
        **encounter_context(request, who, encounter_id),
        **corrections,
        **closure_context(db, encounter, who),
        **details_context(db, patient, encounter, who, latest, clinic),
    )


def details_context(
    db: Database,
    patient: dict[str, Any],
    encounter: dict[str, Any],
    who: Principal,
    assessment: dict[str, Any] | None,
    clinic: Clock,
) -> dict[str, Any]:
    """The patient's corrected details (the history, oldest first), those corrected after the
    decision shown that it depended on, and whether this user may correct them
    (``pages/patient_details.py``); a birth date may be up to ``clinic``'s today."""
    today = clinic.today()
    history = patients.corrections_of(db, int(patient["id"]))
    return {
        "patient_corrections": history,
        "corrected_after": details_corrected_after(history, assessment, encounter),
        "can_correct_patient": who.role in CLINICAL_WRITE,
        "patient_reason_limit": patients.REASON_LIMIT,
        # the date field's bounds, those of records.check_birth_date (the server checks again)
        "birth_date_range": (f"{today.year - OLDEST_YEARS}-01-01", today.isoformat()),
    }


#: the reason of the referral triage proposes for a clinician's override (``proposals.propose_for_override``)
BY_OVERRIDE = f"{PROPOSED_BY_TRIAGE}{CLINICIAN_OVERRIDE}"


def proposal_waiting(db: Database, assessment_id: int, reason: str = PROPOSED_BY_TRIAGE) -> bool:
    """Whether triage's proposal from the assessment (made or raised by it), its reason starting
    with ``reason``, waits to be sent: the notice of a form sent again, answered what the first
    one stored, says what the first one's did."""
    made = db.conn.execute(
        "SELECT 1 FROM referrals WHERE assessment_id = ? AND status = ? AND substr(reason, 1, ?) = ? LIMIT 1",
        [assessment_id, lifecycle.INITIAL, len(reason), reason],
    )
    return made.fetchone() is not None


def _reason_missing(
    request: Request,
    who: Principal,
    assessment_id: int,
    form: str,
    typed: dict[str, str],
    empty: UserInputError,
) -> Response:
    """The patient page again (422), ``form`` (``override``, ``refer``) with what was chosen and
    typed and ``empty`` beside its reason field: the error page showed no form to fix it in."""
    rt = runtime_of(request)
    encounter_id = int(store.get_assessment(rt.databases.get(), assessment_id)["encounter_id"])
    sent = FormState(typed, {"reason": field_error(who.language, empty, rt.clock)})
    return show_encounter(request, who, encounter_id, 422, {form: sent})


@router.post("/assessments/{assessment_id}/override")
def override(
    request: Request,
    assessment_id: RecordId,
    who: Clinician,
    disposition: Annotated[Disposition, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    form_key: FormKey = "",
) -> Response:
    db = runtime_of(request).databases.get()
    if not reason.strip():
        empty = UserInputError(
            "reason: an override needs a reason (the field was empty)", says="error.reason_empty_override"
        )
        typed = {"disposition": disposition.value, "reason": reason}
        return _reason_missing(request, who, assessment_id, "override", typed, empty)
    # the form sent again (its key) is answered the override the first one stored
    again = keyed(form_key, {"disposition": disposition.value, "reason": reason})
    newest = db.conn.execute(
        "SELECT max(id) FROM overrides WHERE assessment_id = ?", [assessment_id]
    ).fetchone()
    row = clinic_dep(request).override(
        db, assessment_id, disposition, reason, actor=who.username, keyed=again
    )
    sent_again = newest[0] is not None and int(row["id"]) <= int(newest[0])  # nothing new was stored
    assessment = store.get_assessment(db, assessment_id)
    encounter_id = int(assessment["encounter_id"])
    # a decision that sends the patient on proposes (or raises) a referral as the page's others do;
    # one that no longer does leaves an open proposal as it is, and the notice says so
    rt = runtime_of(request)
    proposed = proposals.propose_for_override(rt, db, assessment, disposition.value, actor=who.username)
    # the form sent again is answered the override stored the first time: its notice says the same
    # (a new, milder referral decision raises nothing and does not say it proposed one)
    said = (
        sent_again
        and disposition.value in REFERRAL_URGENCY
        and proposal_waiting(db, assessment_id, BY_OVERRIDE)
    )
    if proposed or said:
        return stored(request, f"/encounters/{encounter_id}", "override_proposed")
    kept = closure.proposed_not_sent(db, encounter_id) and disposition.value not in REFERRAL_URGENCY
    return stored(request, f"/encounters/{encounter_id}", "override_proposal_kept" if kept else "override")


@router.post("/assessments/{assessment_id}/refer")
def refer(
    request: Request,
    assessment_id: RecordId,
    who: Clinician,
    to_facility: Annotated[str, Form(max_length=64)],
    urgency: Annotated[str, Form(pattern="^(emergency|urgent|routine)$")],
    reason: Annotated[str, Form(max_length=2000)] = "",
    alongside_open: Annotated[str, Form(max_length=1)] = "",
    form_key: FormKey = "",
) -> Response:
    """Create and send a referral; a visit with an open referral gets another one only when the
    form's confirmation is ticked (``alongside_open``), else the page names the open one."""
    from referral.records import ReferralIn

    rt = runtime_of(request)
    db = rt.databases.get()
    if not reason.strip():
        empty = UserInputError(
            "reason: a referral needs a reason (the field was empty)", says="error.reason_empty_referral"
        )
        typed = {"to_facility": to_facility, "urgency": urgency, "reason": reason}
        return _reason_missing(request, who, assessment_id, "refer", typed, empty)
    row = referrals.create_referral(
        db,
        ReferralIn(
            assessment_id=assessment_id,
            to_facility=to_facility,
            urgency=urgency,
            reason=reason.strip(),
            alongside_open=alongside_open == "1",
            idempotency_key=form_key or None,  # sent again: the referral the first one created
        ),
        actor=who.username,
    )
    if row["status"] == lifecycle.INITIAL:  # not the first one's, already sent
        row = referrals.transition(
            db, int(row["id"]), "sent", actor=who.username, note="created and sent by clinician"
        )
    rt.hub.publish("queue", encounter_id=row["encounter_id"], referral_id=row["id"])
    return stored(request, f"/encounters/{row['encounter_id']}", "referral")


@router.post("/referrals/{referral_id}/status")
def referral_status(
    request: Request,
    referral_id: RecordId,
    who: Clinician,
    status: Annotated[str, Form(pattern="^(sent|accepted|arrived|completed|declined|cancelled)$")],
    note: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=200)] = "/referrals",
    justified: Annotated[str, Form(max_length=8)] = "",
    diagnosis: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    rt = runtime_of(request)
    feedback = None
    if status == "completed":  # the receiving hospital's feedback, which a completion carries
        if justified not in ("yes", "no"):
            raise UserInputError(
                "completing a referral needs the hospital's answer: was the referral needed (yes or no)",
                says="error.feedback_justified",
            )
        feedback = FeedbackIn(justified=justified == "yes", diagnosis=diagnosis.strip() or None)
    db = rt.databases.get()
    target = back if back.startswith("/") and not back.startswith("//") else "/referrals"
    try:
        row = referrals.transition(
            db, referral_id, status, actor=who.username, note=note.strip() or None, feedback=feedback
        )
    except TransitionError:
        # the step pressed again after "no answer" (app.js), the first press recorded: said as done
        if not _last_step_by(db, referral_id, status, who.username):
            raise
        return stored(request, target, f"referral_{status}")
    rt.hub.publish("queue", encounter_id=row["encounter_id"], referral_id=row["id"])
    return stored(request, target, f"referral_{status}")  # said once where the step was recorded


def _last_step_by(db: Database, referral_id: int, status: str, user: str) -> bool:
    """Whether the referral's latest status change was to ``status``, by ``user``."""
    last = db.conn.execute(
        "SELECT to_status, actor FROM referral_events WHERE referral_id = ? ORDER BY id DESC LIMIT 1",
        [referral_id],
    ).fetchone()
    return last is not None and tuple(last) == (status, user)


@router.get("/devices")
def devices_page(request: Request, who: Staff) -> Response:
    return render(request, "devices.html", who, **device_rows(request, who), **held_context(request, who))


@router.get("/devices/rows")
def devices_fragment(request: Request, who: Staff) -> Response:
    return render(request, "_devices.html", who, **device_rows(request, who))


@router.get("/devices/held")
def held_fragment(request: Request, who: Staff) -> Response:
    """The held results section alone: the devices page re-reads it while nobody is typing in it."""
    return render(request, "_held.html", who, **held_context(request, who))

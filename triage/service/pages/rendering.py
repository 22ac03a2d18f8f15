"""Jinja rendering for staff pages: the user's language, CSRF token and safe defaults."""

from __future__ import annotations

import json
import re
import secrets
from functools import cache, partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from referral import lifecycle
from referral.clock import Clock
from triage.errors import ClinicError
from triage.service.auth import API_USERS, CSRF_FIELD, Principal
from triage.service.clinic import CLINICIAN_OVERRIDE, PROPOSED_BY_TRIAGE
from triage.service.i18n import LANGUAGES, catalogue, catalogue_data
from triage.service.pages.clock import clock, duration, local_time, stamp
from triage.service.pages.engine_text import EngineText, bounds
from triage.vocabulary import CONCEPTS

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))


def _clinic(context: Context) -> Clock:
    """The clinic's clock of the service rendering the page (:func:`render` puts it in)."""
    clinic: Clock = context["clinic_clock"]
    return clinic


# every time on a page in the clinic's local time (``clock``), never a slice of the stored text;
# the zone is the rendering service's (two services in one process may have two)
TEMPLATES.env.filters["local"] = pass_context(
    lambda context, at, shape="%Y-%m-%d %H:%M": local_time(at, shape, clinic=_clinic(context))
)
TEMPLATES.env.filters["clock"] = pass_context(lambda context, at: clock(at, clinic=_clinic(context)))
TEMPLATES.env.filters["stamp"] = pass_context(lambda context, at: stamp(at, clinic=_clinic(context)))
TEMPLATES.env.globals["duration"] = duration
#: a referral's next steps a clinician records on the pages, by its status: the lifecycle's own,
#: in the order they happen - a proposed one's are the patient page's Confirm and Cancel; the
#: completion carries the receiving hospital's feedback (``referral.records.FeedbackIn``)
REFERRAL_STEPS = {
    status: steps
    for status, targets in lifecycle.ALLOWED.items()
    if status != lifecycle.INITIAL
    and (
        steps := tuple(
            s for s in ("accepted", "arrived", "completed", "declined", "cancelled") if s in targets
        )
    )
}
TEMPLATES.env.globals["referral_steps"] = REFERRAL_STEPS
TEMPLATES.env.globals["proposed_by_triage"] = lambda reason: str(reason or "").startswith(PROPOSED_BY_TRIAGE)
TEMPLATES.env.globals["referral_needs_note"] = lifecycle.NEEDS_NOTE


def referral_feedback(feedback: object) -> dict[str, object] | None:
    """A completed referral's feedback from the receiving hospital (``justified``, ``diagnosis``,
    ``note``), as the log stores it (JSON text) or already read; None when there is none."""
    if isinstance(feedback, str) and feedback:
        feedback = json.loads(feedback)
    return feedback if isinstance(feedback, dict) else None


TEMPLATES.env.globals["referral_feedback"] = referral_feedback


#: the hidden field of a form that creates something (a walk-in, readings, an assessment, a referral,
#: an override, a close): a key made when the page is served, which the service stores with what
#: the form created, so the form sent again - pressed again after "no answer yet" (``app.js``), or
#: re-sent by the browser - is answered what the first one stored, not stored twice
FORM_KEY = "form_key"


def form_key() -> str:
    """A new form's key: 22 random URL-safe characters after ``page-`` (the service's keys)."""
    return f"page-{secrets.token_urlsafe(16)}"


TEMPLATES.env.globals["form_key"] = form_key
TEMPLATES.env.globals["form_key_field"] = FORM_KEY


#: an identifier longer than this may break after its own separators (``span.ident.long``)
LONG_IDENT = 24
_SEPARATED = re.compile(r"[^-_.:/]*[-_.:/]+|[^-_.:/]+$")


def ident(value: object, kind: str = "") -> Markup:
    """An identifier in running text - a user name, record number, device name, sample id or
    code - as one ``span.ident`` that the browser never breaks at its hyphens (``demo-`` /
    ``nurse``); ``kind`` adds a class of its own (``mrn``, ``device-id``). Given to ``t(...)`` as
    a value, the sentence around it is escaped HTML with the span in it (:meth:`Catalogue.text`).
    One longer than :data:`LONG_IDENT` characters (a 40-character device id) is ``span.ident.long``
    with a ``<wbr>`` after each of its separators (``-``, ``_``, ``.``, ``:``, ``/``), where it
    may break rather than push a table sideways; nowhere else."""
    text = str(value)
    if len(text) <= LONG_IDENT:
        return Markup('<span class="{}">{}</span>').format(f"ident {kind}".strip(), value)
    pieces = Markup("<wbr>").join(escape(piece) for piece in _SEPARATED.findall(text))
    return Markup('<span class="{}">{}</span>').format(f"ident {kind} long".replace("  ", " "), pieces)


TEMPLATES.env.filters["ident"] = ident


def quoted(value: object) -> Markup:
    """A value a device sent, in running text: its :func:`ident` between quotation marks, so
    one that holds the list's separator (a flag ``H,A``) reads as one value in a list of them, as
    the API's text quotes each (``"H,A"``)."""
    return Markup("“{}”").format(ident(value))


TEMPLATES.env.filters["quoted"] = quoted


def person(value: object) -> Markup:
    """A person's name in running text, isolated in a ``<bdi>``: its direction - an Arabic or
    Hebrew name, or a bidirectional control stored before they were refused
    (:data:`referral.records.BIDI_CONTROLS`) - never reorders the text after it, the record number
    and the visit beside the name (a right-to-left override turned them backwards)."""
    return Markup("<bdi>{}</bdi>").format(value)


def person_text(value: object) -> str:
    """:func:`person` where no tag can be - a page's title, a list's ``<option>``: the name between
    FIRST STRONG ISOLATE (U+2068) and POP DIRECTIONAL ISOLATE (U+2069), which ends every embedding
    or override the name opened (Unicode UAX #9, rule X6a)."""
    return f"\u2068{value}\u2069"


TEMPLATES.env.filters["person"] = person
TEMPLATES.env.filters["person_text"] = person_text
# the same isolation for other stored or typed text shown beside a record number or in a sentence:
# a facility's name (refused with a bidirectional control since 4bbd10b3, but an older log may hold
# one) and the text a nurse searched for
TEMPLATES.env.filters["isolated"] = person
TEMPLATES.env.filters["isolated_text"] = person_text


# units the catalogues' sentences write after a number themselves (not a reading's unit): an age, a
# time, a cut-off in another unit ("≥65 岁", "4-6 小时", "15 minutes", "600 mg/dL")
_WRITTEN = ("mg/dL", "mg/g", "mg/mmol", "mmol/mol", "kg", "cm")
_TIMES = {
    "en": ("years", "year", "hours", "hour", "h", "minutes", "min", "seconds", "s", "days", "day", "weeks"),
    "zh": ("岁", "小时", "分钟", "秒", "天", "周"),
}


@cache
def _value_with_unit(language: str) -> re.Pattern[str]:
    """A number (a comparator before it, a range or pair ``140/90``, ``1.2e+04``) and a unit as
    the pages show it in ``language`` (``unit.<ucum>``, else the UCUM code itself, as
    :meth:`EngineText.with_unit` writes it, or an age or time): "91 %", "≥5 分", "38.6 °C",
    "5.55 mmol/L", "≥65 岁"; or a date and time, "2026-12-06 00:16"."""
    shown = {value for key, value in catalogue_data(language).items() if key.startswith("unit.") and value}
    codes = {concept.unit for concept in CONCEPTS.values() if concept.unit}
    every = shown | codes | set(_WRITTEN) | set(_TIMES.get(language, ()))
    units = "|".join(re.escape(unit) for unit in sorted(every, key=len, reverse=True))
    number = r"[<>≥≤]?=?-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
    # a unit ending in a Latin letter or digit is not the start of a longer word ("5 min" in "5 mins");
    # a date and time reads whole too: a browser broke it at its hyphens ("测量于 2026-12-" / "06 00:16")
    moment = r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?"
    value = rf"{number}(?:[-/–]{number})? (?:{units})"
    return re.compile(rf"(?<![\w.])({moment}|{value})(?![A-Za-z0-9])")


_WITH_UNIT = '<span class="with-unit">'
_TAG = re.compile(r"(<[^>]*>)")


def _wrapped(text: str, language: str) -> Markup:
    parts = _value_with_unit(language).split(text)
    return Markup("").join(
        Markup(_WITH_UNIT + "{}</span>").format(part) if odd else escape(part)
        for odd, part in ((index % 2 == 1, part) for index, part in enumerate(parts))
    )


def measures(text: object, language: str) -> Markup:
    """``text`` as HTML with each number and its unit (and each date and time) in one
    ``span.with-unit`` that a line never breaks in (``white-space: nowrap``): "血氧饱和度 91" / "%"
    was split at a narrow width or in print, "measured 2026-12-" / "06 00:16" at its hyphens. The text itself (the API's, the stored JSON, the hover) is unchanged. A sentence that is
    already HTML (a :class:`Markup`: one with an identifier or a value kept whole in it) has its text
    between the tags wrapped so, never a tag or what a ``span.with-unit`` already holds."""
    if not isinstance(text, Markup):
        return _wrapped(str(text), language)
    shown: list[Markup] = []
    inside = False
    for index, part in enumerate(_TAG.split(text)):
        if index % 2 == 1:  # a tag, as it is
            inside = part == _WITH_UNIT or (inside and part != "</span>")
            shown.append(Markup(part))
        else:
            shown.append(Markup(part) if inside else _wrapped(Markup(part).unescape(), language))
    return Markup("").join(shown)


URGENT = ("emergency_transfer", "urgent_referral")
_FROM_PATIENT = re.compile(r"^/encounters/(\d+)/")
# forms whose address names a record of a patient's page: an assessment (override, refer) or a
# referral (confirm, cancel, basis review), whose visit is looked up
_FROM_RECORD = re.compile(r"^/(assessments|referrals)/(\d+)/")


#: the language of the last user signed in on this browser, and nothing else (``pages/account.py``
#: sets it): the pages nobody is signed in to - the login page after a session ended - speak it
LANGUAGE_COOKIE = "triage_lang"


def language_for(request: Request, principal: Principal | None) -> str:
    """The signed-in user's language; else the language cookie's when it names a language of the
    pages (:data:`~triage.service.i18n.LANGUAGES`), else the clinic's ``default_language``. The
    cookie is the browser's to send: a value no page speaks (``xx``, forged or left by another
    version) is the clinic's language, never the catalogue's own fallback."""
    if principal is not None:
        return principal.language
    default: str = request.app.state.runtime.settings.service.default_language
    said = request.cookies.get(LANGUAGE_COOKIE)
    return said if said in LANGUAGES else default


def rule_label(language: str, name: str) -> str:
    """A rule's (or ``model:<name>`` reason's) label in the user's language, comparators written
    ≥ and ≤; the rule name itself when the catalogue has none, so a new rule still shows."""
    text = catalogue(language)
    if name.startswith("model:"):
        return text("rule.model", name=EngineText(language).model_name(name.removeprefix("model:")))
    if name == CLINICIAN_OVERRIDE:
        return text("referrals.clinician_override")
    label = text(f"rule.{name}")
    return name if label == f"rule.{name}" else bounds(label)


def referral_reason(language: str, reason: str) -> str:
    """A referral's reason as stored, except the one the pipeline writes when it proposes a
    referral ("proposed by triage: <rule>; <rule>"), which names the rules in the user's language."""
    rules = reason.removeprefix(PROPOSED_BY_TRIAGE)
    if rules == reason:
        return reason
    text = catalogue(language)
    names = text("list.clauses").join(rule_label(language, rule) for rule in rules.split("; "))
    return text("referrals.proposed_by_triage", rules=names)


def code_name(language: str, code: str) -> str:
    """An observation code named in the user's language (``name.<code>``); the vocabulary's
    display name, or the code itself, when the catalogue has none."""
    label = catalogue(language)(f"name.{code}")
    if label != f"name.{code}":
        return label
    concept = CONCEPTS.get(code)
    return concept.display if concept is not None else code


def display_name(language: str, code: str) -> str:
    """An observation code named where it stands alone - a table's cell - in the catalogue's
    display name (``display.<code>``: "Heart rate", "SpO2", "eGFR"; in Chinese the same as
    ``name.<code>``), the running-text name (:func:`code_name`) when it has none."""
    label = catalogue(language)(f"display.{code}")
    return label if label != f"display.{code}" else code_name(language, code)


# What a form stored, said once at the top of the page it leads to ("Vital signs recorded ..."): the
# key travels in a short-lived cookie, so the page's address stays the same and a reload does not
# say it again; only these keys are shown (``done.<key>`` in the catalogues).
DONE_COOKIE = "triage_done"
DONE = frozenset(
    {
        "walk_in",
        "walk_in_open",
        "vitals",
        "vitals_proposed",
        "reading",
        "assessed",
        "assessed_proposed",
        "override",
        "override_proposed",
        "override_proposal_kept",
        "referral",
        "referral_sent",
        "referral_cancelled",
        "referral_accepted",
        "referral_arrived",
        "referral_declined",
        "referral_completed",
        "patient_corrected",
        "closed",
        "attached",
        "detached",
        "held_assigned",
        "held_dismissed",
    }
)


def secure_cookie(request: Request) -> bool:
    """Whether a cookie set now is marked Secure: ``service.secure_cookies`` says so, or the request
    came over HTTPS - directly, or through the reverse proxy whose ``X-Forwarded-Proto`` the service
    trusts (a browser then never sends it over plain HTTP, where anyone on the LAN could read it)."""
    return bool(request.app.state.runtime.settings.service.secure_cookies) or request.url.scheme == "https"


def stored(request: Request, target: str, key: str) -> RedirectResponse:
    """The redirect after a stored action (303 to ``target``) that says ``key`` there once."""
    assert key in DONE, key
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        DONE_COOKIE,
        key,
        max_age=60,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path="/",
    )
    return response


def render(
    request: Request, template: str, principal: Principal | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    language = language_for(request, principal)
    # demo data is labelled on every page, errors and login included
    context.setdefault("synthetic", bool(request.app.state.runtime.extras.get("synthetic")))
    # a whole page (not a live fragment, "_rows.html") says what the form before it stored, once
    said = request.cookies.get(DONE_COOKIE) if not template.startswith("_") else None
    if said is not None:
        context.setdefault("done", said if said in DONE and status_code < 400 else None)
    clinic_clock: Clock = request.app.state.runtime.clock
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "clinic_clock": clinic_clock,
            "t": catalogue(language),
            "rule": partial(rule_label, language),
            "name": partial(code_name, language),
            "display_name": partial(display_name, language),
            "referral_reason": partial(referral_reason, language),
            # the engine's English (details, notes, explanations) in the user's language
            "engine_text": partial(EngineText, language, clinic=clinic_clock),
            # numbers with their units kept on one line in the engine's text shown as HTML
            "measures": partial(measures, language=language),
            "lang": language,
            "user": principal,
            "csrf_field": CSRF_FIELD,
            "csrf_token": principal.csrf_token if principal else "",
            "urgent": URGENT,
            "shows_api": principal is not None and principal.role in API_USERS,
            **context,
        },
        status_code=status_code,
    )
    if said is not None:
        response.delete_cookie(DONE_COOKIE, path="/")
    return response


def form_page(request: Request) -> str:
    """The page the form posted to ``request``'s address is on: a patient's page for its forms
    (``/encounters/<id>/...``, and an assessment's or referral's by the visit it belongs to), the
    queue for a walk-in, the devices page for a device's or held result's; else ``/``."""
    path = request.url.path
    found = _FROM_PATIENT.match(path)
    if found:
        return f"/encounters/{found[1]}"
    record = _FROM_RECORD.match(path)
    if record and int(record[2]) < 2**63:  # a larger id is no record (and no SQLite integer)
        db = request.app.state.runtime.databases.get()
        table = "assessments" if record[1] == "assessments" else "referrals"
        row = db.conn.execute(f"SELECT encounter_id FROM {table} WHERE id = ?", [int(record[2])]).fetchone()
        return f"/encounters/{int(row[0])}" if row is not None else "/"
    if path == "/walk-ins":
        return "/queue"
    if path.startswith("/devices/"):
        return "/devices"
    return "/"


# errors whose English sentence says all the log's English line does - the record's numbers and UTC
# time aside, which it gives as the page does: on an English page the line under it would only repeat
# it ("This visit was closed at 10:04 by ..." over "new readings: encounter 7 was closed at ...").
# Not the others: a referral's refused status change names the two statuses only in the record.
SAID_IN_FULL = frozenset(
    {
        "error.page_not_found",
        "error.encounter_closed",
        "error.already_closed",
        "error.referral_not_made",
        "error.open_referral",
    }
)


def render_error(
    request: Request,
    message: str,
    status_code: int,
    error: ClinicError | None = None,
    back: str | None = None,
    said_in_full: bool = False,
) -> HTMLResponse:
    """The error page; a form posted from a patient's page leads back to it (:func:`form_page`),
    as does ``back`` when given. The language switch on it leads there too: the address shown may
    be no page (404), or a form's (a 405 when opened), and the user's sentence names it anyway.

    The page says the error in the user's language (:func:`error_text`), the English ``message``
    (what the API and the log say) under it when the two differ - but not on an English page when
    ``said_in_full`` or the error's sentence is one of ``SAID_IN_FULL`` (the sentence already says
    all the log line does: an unknown page's address, a closed visit's refusal)."""
    principal = getattr(request.state, "principal", None)
    if back is None:
        back = form_page(request) if request.method == "POST" else "/"
    language = language_for(request, principal)
    shown = error_text(language, message, error, request.app.state.runtime.clock)
    said_in_full = said_in_full or (error is not None and error.says in SAID_IN_FULL)
    detail = message if shown != message and not (said_in_full and language == "en") else None
    return render(
        request,
        "error.html",
        principal,
        status_code=status_code,
        message=shown,
        detail=detail,
        back=back,
        language_back=back,  # (not page_path: the drafts kept in the browser are keyed by that)
    )


def error_text(language: str, message: str, error: ClinicError | None, clinic: Clock) -> str:
    """An error in the user's language: the error's own message (``error.says``, its ``params``
    filled in: a ``*_at`` time in ``clinic``'s local time, a referral ``status`` or ``urgency`` by
    its name), else a sentence for its kind (``error.code.<code>``: a form field not valid, a
    conflict with the record...); the English message itself when the catalogue has neither."""
    text = catalogue(language)
    code = error.code if error is not None else "invalid_input"
    if error is not None and error.says and text(error.says) != error.says:
        shown = {name: _shown(text, name, value, clinic) for name, value in error.params.items()}
        return text(error.says, **shown)
    if language == "en":
        return message
    general = text(f"error.code.{code}")
    return text("error.code.other") if general == f"error.code.{code}" else general


def _shown(text: Any, name: str, value: object, clinic: Clock) -> object:
    if name.endswith("_at"):
        return clock(str(value), clinic=clinic)
    if name in ("status", "urgency", "disposition"):
        return text(f"{name}.{value}")
    return value

"""Refusals raised in the referral log (``referral/``) read on the staff pages as their own
sentence in the user's language, the English record under it: each kind of error carries a stable
message key (``ClinicError.key``), so a page no longer falls back to a sentence for its code alone
("该转诊现在不能改为此状态（说明见下方）" / "无法完成此操作（说明见下方）"). Real service, real SQLite,
forms with CSRF."""

from __future__ import annotations

import pickle
import string

import pytest

from referral import errors
from referral.basis import BasisReviewError
from referral.errors import ClinicError, TransitionError
from referral.referrals import transition
from referral.store import VisitAlreadyOpenError
from tests.service.conftest import Staff
from tests.service.test_page_errors import _alert, _chinese, _proposed
from tests.service.test_page_wording import _walk_in
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.rendering import error_text

_KEYED = [
    cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, ClinicError) and cls.key is not None
] + [BasisReviewError, VisitAlreadyOpenError]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("cls", _KEYED, ids=lambda cls: cls.__name__)
def test_each_keyed_kind_of_error_has_its_sentence_in_both_languages(cls: type[ClinicError]) -> None:
    key = cls.key
    assert key is not None
    en, zh = catalogue_data("en").get(key), catalogue_data("zh").get(key)
    assert en and zh and en != zh, key
    assert _fields(en) == _fields(zh), key
    # a key the class itself gives needs no values but those its raise always passes
    assert _fields(en) <= ({"day"} if cls is VisitAlreadyOpenError else set()), key


def test_the_referral_log_s_errors_that_reach_the_pages_have_keys() -> None:
    for cls in (
        errors.TransitionError,
        errors.UnknownFacilityError,
        errors.IdempotencyConflictError,
        errors.DatabaseBusyError,
        errors.DependencyMissingError,
        errors.ConfigError,
        errors.OpenReferralError,
        BasisReviewError,
        VisitAlreadyOpenError,
    ):
        assert cls.key is not None, cls.__name__
    # the raise's own sentence still wins over its class's
    assert ClinicError("x", says="error.reason_empty").says == "error.reason_empty"
    assert TransitionError("x").says == "error.impossible_transition"


def test_the_key_survives_another_process() -> None:
    """A worker's error reaches the primary (and back) pickled: the key goes with it."""
    again = pickle.loads(pickle.dumps(BasisReviewError("referral 3 cannot be sent: review it first")))
    assert type(again) is BasisReviewError and again.says == "error.basis_review_needed"


def test_a_visit_already_open_names_its_day_in_chinese() -> None:
    from referral.clock import MACHINE

    error = VisitAlreadyOpenError(
        "encounter: patient 1 already has a visit open", params={"encounter": None, "day": "2026-12-05"}
    )
    shown = error_text("zh", str(error), error, MACHINE)
    assert shown.startswith("该患者在 2026-12-05 已有未结束的就诊") and "None" not in shown


def test_confirming_a_referral_already_sent_says_why_in_chinese_with_the_english_under_it(
    staff: Staff,
) -> None:
    """Two clinicians send the same proposed referral: the second is refused. The page said only
    "该转诊现在不能改为此状态（说明见下方）" over the log's English. (The same clinician's own press
    again is said as done: ``test_browser_form_resent.py``.)"""
    made = _walk_in(staff, "KEY-1")
    referral = _proposed(staff, made)
    csrf = _chinese(staff, Role.clinician)
    db = staff.app.state.runtime.databases.get()
    transition(db, referral, "sent", actor="another-clinician", note="sent from another desk")
    again = staff.client.post(f"/referrals/{referral}/status", data={"csrf_token": csrf, "status": "sent"})
    assert again.status_code == 409
    assert _alert(again.text) == catalogue_data("zh")["error.impossible_transition"]
    assert "其状态已经改变" in _alert(again.text)
    record = again.text.split('class="error-detail">')[1]
    assert "a referral cannot go from &#34;sent&#34; to &#34;sent&#34;" in record, "the English record"
    # in English: the sentence, and the log's English still under it
    staff.client.post("/language", data={"csrf_token": csrf, "language": "en"})
    english = staff.client.post(f"/referrals/{referral}/status", data={"csrf_token": csrf, "status": "sent"})
    assert _alert(english.text).startswith("The referral cannot move to that status now: its status has")
    assert "cannot go from &#34;sent&#34;" in english.text.split('class="error-detail">')[1]

"""Each value on the staff pages stays on one line with its unit (``span.with-unit``,
``pages.rendering.measures``): in every rule's reason and label, in English and Chinese, an age or a
time included ("≥65 岁", "4-6 小时"), and so does the date and time the readings were measured; and in the sentences that are already HTML because an
identifier in them is kept whole (a held result's "600 mmol/L is outside the plausible range of
<span class="ident">glucose_random</span>"), or that name a corrected reading ("replaces 28 mmol/L")."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import Markup

from referral.inbox import mark_delivered
from tests.service.conftest import Staff
from tests.service.test_corrections import deliver, result, rows
from tests.service.test_engine_text import FIRING
from tests.service.test_held_not_accepted_language import _result
from triage.service.auth import Role
from triage.service.i18n import catalogue
from triage.service.pages.engine_text import EngineText
from triage.service.pages.rendering import ident, measures, rule_label

# the units a reader sees after a number, written out here (not taken from the code under test)
UNITS = (
    "mL/min/1.73 m²",
    "mmol/mol",
    "mmol/L",
    "µmol/L",
    "μmol/L",
    "mg/dL",
    "mg/g",
    "kg/m²",
    "mmHg",
    "次/分",
    "/min",
    "°C",
    "°F",
    "kg",
    "cm",
    "%",
    "points",
    "point",
    "分钟",
    "分",
    "years",
    "hours",
    "minutes",
    "岁",
    "小时",
)
_LOOSE = re.compile(
    r"[<>≥≤]?=?\d+(?:\.\d+)?(?:[-/–]\d+(?:\.\d+)?)? (?:"
    + "|".join(re.escape(u) for u in UNITS)
    + r")(?![A-Za-z0-9])"
    # a date and time, which a browser breaks at its hyphens ("measured 2026-12-" / "06 00:16")
    + r"|\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?"
)


def apart(shown: str) -> list[str]:
    """The values with a unit (and the dates) in HTML ``shown`` that are not kept on one line: its text
    outside every ``span.with-unit`` (tags removed, as the browser lays it out)."""
    outside = re.sub(r'<span class="with-unit">.*?</span>', "\u2016", shown)
    text = html.unescape(re.sub(r"<[^>]*>", "", outside))
    return _LOOSE.findall(text)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_rules_reason_and_label_keeps_each_value_with_its_unit(language: str) -> None:
    walked = 0
    for rule, payload in FIRING:
        engine = EngineText(language, payload)
        for reason in [r for r in payload["reasons"] if r["rule"] == rule]:
            for text in (engine.detail(reason), rule_label(language, rule)):
                shown = str(measures(text, language))
                assert not apart(shown), (language, rule, apart(shown), shown)
                walked += 1
    assert walked > 80, walked


def test_a_sentence_already_html_has_its_values_kept_with_their_units() -> None:
    """A sentence with an identifier in it (a Markup) gets its values wrapped, never a tag, an
    attribute or a value already wrapped; its identifier and escaping stay as they were."""
    t = catalogue("en")
    sentence = t("held.not_accepted_implausible", value="600", unit="mmol/L", code=ident("glucose_random"))
    assert isinstance(sentence, Markup)
    shown = measures(sentence, "en")
    assert shown.startswith('<span class="with-unit">600 mmol/L</span> is outside the plausible range of ')
    assert '<span class="ident">glucose_random</span>' in shown and not apart(shown)
    kept = Markup('<a title="5 %">&gt;180 mmHg</a> <span class="with-unit">91 %</span> A&amp;E')
    assert measures(kept, "en") == Markup(
        '<a title="5 %"><span class="with-unit">&gt;180 mmHg</span></a> <span class="with-unit">91 %</span> A&amp;E'
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_corrected_reading_and_a_held_results_value_keep_their_units(staff: Staff, language: str) -> None:
    """The patient page's device-correction notes and the devices page's held result (its value
    cell and why it was not accepted, a sentence with the code kept whole), in both languages."""
    deliver(staff, result("28.0"))
    deliver(staff, result("6.2", "corrected"))
    (encounter,) = rows(staff, "SELECT DISTINCT encounter_id FROM observations")
    (held,) = deliver(staff, _result("GLU", "glucose_random", "600", "mmol/L", "N1"))
    mark_delivered(staff.app.state.runtime.databases.get(), [held])
    csrf = staff.login(Role.clinician)
    staff.client.post("/language", data={"csrf_token": csrf, "language": language})

    patient = staff.client.get(f"/encounters/{encounter['encounter_id']}").text
    notes = re.findall(r'<small class="(?:corrected|replaced)">.*?</small>', patient)
    assert len(notes) == 2, notes
    assert '<span class="with-unit">28 mmol/L</span>' in notes[0] + notes[1], notes
    assert '<span class="with-unit">6.2 mmol/L</span>' in notes[0] + notes[1], notes
    for note in notes:
        assert not apart(note), note

    devices = staff.client.get("/devices").text
    row = devices.split('id="held"')[1].split(f'data-result="{held}"')[1].split("</tr>")[0]
    shown = row.split('class="error-record"')[0]  # (the English record beside it is the log's line)
    assert shown.count('<span class="with-unit">600 mmol/L</span>') == 2, shown
    assert not apart(shown), apart(shown)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_refused_readings_error_keeps_each_value_with_its_unit(staff: Staff, language: str) -> None:
    """The error beside a reading's field names the value typed and the plausible range with their
    units ("random glucose -3 mmol/L is outside the plausible range 0.5-60 mmol/L")."""
    csrf = staff.login(Role.nurse)
    staff.client.post("/language", data={"csrf_token": csrf, "language": language})
    sent = staff.client.post(
        "/walk-ins", data={"csrf_token": csrf, "mrn": "UNITS-ERR-1"}, follow_redirects=False
    )
    refused = staff.client.post(
        f"{sent.headers['location']}/readings",
        data={"csrf_token": csrf, "code": "glucose_random", "value": "-3", "unit": ""},
    )
    assert refused.status_code == 422, refused.text
    error = refused.text.split('id="reading-value-error">')[1].split("</p>")[0]
    shown = error.split('<span class="error-record"')[0]
    assert '<span class="with-unit">-3 mmol/L</span>' in shown, shown
    assert '<span class="with-unit">0.5-60 mmol/L</span>' in shown, shown
    assert not apart(shown), apart(shown)

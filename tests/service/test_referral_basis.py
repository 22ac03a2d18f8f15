"""A referral whose basis a device later corrected is flagged for a clinician, never cancelled:
real service, real SQLite file, the real inbox and pipeline (``tests/service/test_corrections.py``).

Glucose 28.0 mmol/L -> urgent referral proposed; the lab corrects it -> the referral still stands,
but it carries a marker (old -> new value, the new disposition, less urgent or not), an audit
entry, and a warning on the referral list, the patient page and the queue until a clinician
acknowledges it ("reviewed, keep", with a reason) or cancels the referral.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from referral import audit, export, referrals
from tests.service.conftest import Staff
from tests.service.test_corrections import deliver, last_actions, page, result, rows
from triage.cli import main
from triage.cli.paths import triage_command
from triage.service.auth import Role

API = "/api/v1/referrals"


def proposed_on(staff: Staff, value: str = "28.0") -> tuple[int, int]:
    """A device glucose of ``value`` and the referral the pipeline proposed from it."""
    deliver(staff, result(value))
    (referral,) = rows(staff, "SELECT id, encounter_id, status FROM referrals")
    assert referral["status"] == "proposed"
    return int(referral["id"]), int(referral["encounter_id"])


def referral(staff: Staff, referral_id: int, role: Role = Role.clinician) -> Any:
    response = staff.client.get(f"{API}/{referral_id}", headers=staff.bearer(role))
    assert response.status_code == 200, response.text
    return response.json()


def keep(
    staff: Staff, referral_id: int, reason: Any = "rechecked at bedside: 27.6", role: Role = Role.clinician
) -> Any:
    body = {} if reason is None else {"reason": reason}
    return staff.client.post(f"{API}/{referral_id}/basis-review", json=body, headers=staff.bearer(role))


def status(staff: Staff, referral_id: int, target: str, note: str | None = None) -> Any:
    return staff.client.post(
        f"{API}/{referral_id}/status",
        json={"status": target, "note": note},
        headers=staff.bearer(Role.clinician),
    )


def audit_entry(staff: Staff, referral_id: int, action: str) -> dict[str, Any]:
    """The referral's one audit entry of ``action``."""
    db = staff.app.state.runtime.databases.get()
    (entry,) = [e for e in audit.entries_for(db, "referral", referral_id) if e["action"] == action]
    return entry


def referral_actions(staff: Staff, referral_id: int) -> list[str]:
    db = staff.app.state.runtime.databases.get()
    return [e["action"] for e in audit.entries_for(db, "referral", referral_id)]


def text_of(html: str) -> str:
    """The page's words (tags dropped, spaces collapsed), as a person reads them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&gt;", ">")


def queue(staff: Staff) -> str:
    response = staff.client.get("/queue/rows", headers=staff.bearer(Role.nurse))
    assert response.status_code == 200
    return text_of(response.text)


def referral_list(staff: Staff) -> str:
    response = staff.client.get("/referrals", headers=staff.bearer(Role.clinician))
    assert response.status_code == 200
    return text_of(response.text)


WARNING = (
    "Basis corrected: random glucose 28 -> 8.2 mmol/L after this referral was proposed;"
    " current assessment: Local care - review"
)


def test_a_referral_on_a_value_the_device_corrects_is_flagged_not_cancelled(staff: Staff) -> None:
    referral_id, encounter_id = proposed_on(staff, "28.0")
    before = referral(staff, referral_id)
    assert before["basis_review_needed"] is False and before["basis_changes"] == []

    deliver(staff, result("8.2", "corrected"))
    (row,) = rows(staff, "SELECT status FROM referrals")
    assert row["status"] == "proposed", "never cancelled by the correction"
    (change,) = rows(staff, "SELECT * FROM referral_basis_changes")
    (correction,) = rows(staff, "SELECT id FROM observation_corrections")
    (latest,) = rows(staff, "SELECT id, disposition FROM assessments ORDER BY id DESC LIMIT 1")
    assert change | {"changed_at": None} == {
        "id": change["id"],
        "referral_id": referral_id,
        "encounter_id": encounter_id,
        "correction_id": correction["id"],
        "assessment_id": latest["id"],
        "code": "glucose_random",
        "old_value": "28.0 mmol/L",
        "new_value": "8.2 mmol/L",
        "disposition": "local_care",
        "referral_urgency": "urgent",
        "referral_status": "proposed",
        "less_urgent": 1,
        "changed_at": None,
        "resolution": None,
        "resolved_at": None,
        "resolved_by": None,
        "resolution_reason": None,
    }
    # In the correction's transaction, after the re-assessment, audited on the referral.
    assert last_actions(staff, 3) == ["observation.correct", "assessment.create", "referral.basis_changed"]
    entry = audit_entry(staff, referral_id, "referral.basis_changed")
    assert entry["actor"] == "device-gateway"
    assert (entry["data"]["old_value"], entry["data"]["new_value"], entry["data"]["less_urgent"]) == (
        "28.0 mmol/L",
        "8.2 mmol/L",
        True,
    )
    assert audit.verify(staff.app.state.runtime.databases.get()).ok

    detail = referral(staff, referral_id)
    assert detail["basis_review_needed"] is True and detail["status"] == "proposed"
    (shown,) = detail["basis_changes"]
    assert (shown["old_value"], shown["new_value"], shown["withdrawn"], shown["open"]) == (
        "28.0 mmol/L",
        "8.2 mmol/L",
        False,
        True,
    )
    listed = staff.client.get(API, headers=staff.bearer(Role.analyst)).json()
    assert [(r["id"], r["basis_review_needed"]) for r in listed] == [(referral_id, True)]

    # The warning on the three screens where staff see referrals.
    assert WARNING in text_of(page(staff, encounter_id))
    assert "The current assessment is less urgent than this referral." in text_of(page(staff, encounter_id))
    assert WARNING in referral_list(staff) and "Review on the patient page" in referral_list(staff)
    assert WARNING in queue(staff)

    # The clinic cannot send it on the old basis before someone has looked.
    refused = status(staff, referral_id, "sent")
    assert refused.status_code == 409 and refused.json()["code"] == "basis_review_needed"
    assert "glucose_random 28.0 mmol/L -> 8.2 mmol/L" in refused.json()["error"]
    assert "Confirm and send referral" not in page(staff, encounter_id)


def test_a_correction_that_keeps_urgency_is_flagged_but_not_less_urgent(staff: Staff) -> None:
    referral_id, encounter_id = proposed_on(staff, "28.0")
    deliver(staff, result("2.8", "corrected"))  # now critically LOW: still urgent, for another reason
    (change,) = rows(staff, "SELECT * FROM referral_basis_changes")
    assert (change["new_value"], change["disposition"], change["less_urgent"]) == (
        "2.8 mmol/L",
        "urgent_referral",
        0,
    )
    text = text_of(page(staff, encounter_id))
    assert (
        "Basis corrected: random glucose 28 -> 2.8 mmol/L after this referral was proposed;"
        " current assessment: URGENT REFERRAL - review"
    ) in text
    assert "less urgent than this referral" not in text

    # A second correction: flagged again, against the value the referral was based on.
    deliver(staff, result("8.2", "corrected"))
    assert [
        (c["old_value"], c["new_value"]) for c in rows(staff, "SELECT * FROM referral_basis_changes")
    ] == [
        ("28.0 mmol/L", "2.8 mmol/L"),
        ("28.0 mmol/L", "8.2 mmol/L"),
    ]
    assert len(referral(staff, referral_id)["basis_changes"]) == 2


def test_acknowledging_with_a_reason_clears_the_warning_and_is_audited(staff: Staff) -> None:
    referral_id, encounter_id = proposed_on(staff)
    deliver(staff, result("8.2", "corrected"))
    done = keep(staff, referral_id, "  symptomatic, repeat glucose 27.9 at bedside ")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["basis_review_needed"] is False and body["status"] == "proposed"
    (change,) = body["basis_changes"]
    assert (change["resolution"], change["resolved_by"], change["resolution_reason"], change["open"]) == (
        "acknowledged",
        "clinician",
        "symptomatic, repeat glucose 27.9 at bedside",
        False,
    )
    assert change["resolved_at"]
    entry = audit_entry(staff, referral_id, "referral.basis_reviewed")
    assert (entry["actor"], entry["reason"]) == ("clinician", "symptomatic, repeat glucose 27.9 at bedside")
    assert entry["data"]["basis_changes"] == [change["id"]]

    text = text_of(page(staff, encounter_id))
    assert "Basis corrected" not in text
    assert (
        "reviewed by clinician" in text
        and "referral kept: symptomatic, repeat glucose 27.9 at bedside" in text
    )
    assert "Basis corrected" not in referral_list(staff) and "Basis corrected" not in queue(staff)

    again = keep(staff, referral_id)
    assert again.status_code == 409 and "no corrected basis waiting for review" in again.json()["error"]
    assert status(staff, referral_id, "sent").status_code == 200, "reviewed: it may be sent now"


def test_cancelling_the_referral_clears_the_marker(staff: Staff) -> None:
    referral_id, encounter_id = proposed_on(staff)
    deliver(staff, result("8.2", "corrected"))
    assert status(staff, referral_id, "cancelled").status_code == 422, "the cancellation's note is required"
    done = status(staff, referral_id, "cancelled", "lab corrected the glucose to 8.2")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cancelled" and done.json()["basis_review_needed"] is False
    (change,) = rows(staff, "SELECT * FROM referral_basis_changes")
    assert (change["resolution"], change["resolved_by"], change["resolution_reason"]) == (
        "cancelled",
        "clinician",
        "lab corrected the glucose to 8.2",
    )
    entry = audit_entry(staff, referral_id, "referral.cancelled")
    assert entry["data"]["basis_changes_closed"] == [change["id"]]
    assert "Basis corrected" not in text_of(page(staff, encounter_id)) and "Basis corrected" not in queue(
        staff
    )


def test_a_withdrawn_basis_is_flagged_as_withdrawn(staff: Staff) -> None:
    referral_id, encounter_id = proposed_on(staff)
    deliver(staff, result("80", "corrected"))  # implausible: held, the 28.0 is withdrawn
    (change,) = rows(staff, "SELECT * FROM referral_basis_changes")
    assert (change["old_value"], change["new_value"]) == ("28.0 mmol/L", None)
    assert referral(staff, referral_id)["basis_changes"][0]["withdrawn"] is True
    assert (
        "Basis withdrawn: random glucose 28 mmol/L was withdrawn by a device correction held for review"
        " after this referral was proposed; current assessment:"
    ) in text_of(page(staff, encounter_id))
    # Another rejected value withdraws nothing more: no second flag.
    deliver(staff, result("90", "corrected"))
    assert len(rows(staff, "SELECT id FROM referral_basis_changes")) == 1


def test_a_correction_of_a_reading_the_referral_did_not_use_leaves_it_alone(staff: Staff) -> None:
    referral_id, encounter_id = proposed_on(staff)
    hba1c = result("6.0", at="")
    other = type(hba1c)(
        **{**hba1c.__dict__, "sample_id": "S-200", "vendor_code": "A1C", "code": "hba1c", "unit": "%"}
    )
    deliver(staff, other)  # a later reading of this encounter: not in the referral's assessment
    assert {r["encounter_id"] for r in rows(staff, "SELECT encounter_id FROM observations")} == {encounter_id}
    corrected = type(other)(**{**other.__dict__, "value": "6.4", "value_num": 6.4, "status": "corrected"})
    deliver(staff, corrected)
    assert rows(staff, "SELECT state FROM observation_corrections") == [{"state": "applied"}]
    assert not rows(staff, "SELECT id FROM referral_basis_changes")
    assert referral(staff, referral_id)["basis_review_needed"] is False
    assert "referral.basis_changed" not in referral_actions(staff, referral_id)


@pytest.mark.parametrize("final", ["cancelled", "declined"])
def test_a_referral_that_ended_without_a_transfer_is_not_flagged(staff: Staff, final: str) -> None:
    referral_id, _ = proposed_on(staff)
    db = staff.app.state.runtime.databases.get()
    path = {"cancelled": ["cancelled"], "declined": ["sent", "declined"]}
    for target in path[final]:
        referrals.transition(db, referral_id, target, actor="dr_test", note="hospital reply")
    deliver(staff, result("8.2", "corrected"))
    assert rows(staff, "SELECT state FROM observation_corrections") == [{"state": "applied"}]
    assert not rows(staff, "SELECT id FROM referral_basis_changes")
    assert referral(staff, referral_id)["status"] == final


def test_a_sent_referral_is_flagged_with_its_status(staff: Staff) -> None:
    referral_id, encounter_id = proposed_on(staff)
    assert status(staff, referral_id, "sent").status_code == 200
    deliver(staff, result("8.2", "corrected"))
    (change,) = rows(staff, "SELECT referral_status FROM referral_basis_changes")
    assert change["referral_status"] == "sent"
    assert "after this referral was sent" in text_of(page(staff, encounter_id))
    # The hospital's own answers are facts: recorded while the review is pending.
    assert status(staff, referral_id, "accepted").status_code == 200
    assert referral(staff, referral_id)["basis_review_needed"] is True


def test_bad_requests_get_clear_errors(staff: Staff) -> None:
    referral_id, _ = proposed_on(staff)
    nothing = keep(staff, referral_id)
    assert nothing.status_code == 409 and nothing.json()["code"] == "conflict"
    deliver(staff, result("8.2", "corrected"))
    for reason in (None, "", "   "):
        bad = keep(staff, referral_id, reason)
        assert bad.status_code == 422 and "reason" in bad.json()["error"], bad.text
    unknown = keep(staff, 999)
    assert unknown.status_code == 404 and unknown.json()["error"] == "referral 999 not found"
    for role in (Role.nurse, Role.analyst, Role.integrator):
        forbidden = keep(staff, referral_id, role=role)
        assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    assert staff.client.post(f"{API}/{referral_id}/basis-review", json={"reason": "x"}).status_code == 401
    assert referral(staff, referral_id)["basis_review_needed"] is True, "nothing was recorded"


def test_the_patient_page_acknowledges_with_csrf_in_both_languages(staff: Staff) -> None:
    referral_id, encounter_id = proposed_on(staff)
    deliver(staff, result("8.2", "corrected"))
    token = staff.login(Role.clinician)
    html = staff.client.get(f"/encounters/{encounter_id}").text
    assert f'action="/referrals/{referral_id}/basis-review"' in html and "Reviewed, keep referral" in html
    assert html.count(f'action="/referrals/{referral_id}/status"') == 1, "cancel offered once"
    refused = staff.client.post(
        f"/referrals/{referral_id}/basis-review", data={"reason": "r"}, follow_redirects=False
    )
    assert refused.status_code == 403, "no CSRF token"
    empty = staff.client.post(
        f"/referrals/{referral_id}/basis-review",
        data={"reason": " ", "csrf_token": token},
        follow_redirects=False,
    )
    assert empty.status_code == 422 and "needs a reason" in empty.text

    assert staff.client.post("/language", data={"language": "zh", "csrf_token": token}).status_code < 400
    chinese = text_of(staff.client.get(f"/encounters/{encounter_id}").text)
    assert (
        "转诊依据已被更正：随机血糖 28 → 8.2 mmol/L（发生在此转诊提出之后）；当前评估：" in chinese
        and "——请复核" in chinese
        and "当前评估的紧急程度低于此转诊。" in chinese
    )
    done = staff.client.post(
        f"/referrals/{referral_id}/basis-review",
        data={"reason": "复测血糖 27.9", "csrf_token": token, "back": f"/encounters/{encounter_id}"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/encounters/{encounter_id}"
    after = text_of(staff.client.get(f"/encounters/{encounter_id}").text)
    assert "转诊依据已被更正" not in after and "保留转诊：复测血糖 27.9" in after


def cli(capsys: pytest.CaptureFixture[str], staff: Staff, *args: str) -> tuple[int, str, str]:
    path = staff.app.state.runtime.settings.database.path
    code = main(["referrals", *args, "--db", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_lists_acknowledges_and_cancels(staff: Staff, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, staff, "basis-changes") == (0, "no referral waits for a basis review\n", "")
    first, encounter_id = proposed_on(staff)
    deliver(staff, result("8.2", "corrected"))
    code, out, _ = cli(capsys, staff, "basis-changes")
    assert code == 0 and out.startswith(f"referral {first} (encounter {encounter_id}): ")
    assert "glucose_random 28.0 mmol/L -> 8.2 mmol/L after the referral was proposed" in out
    assert "re-assessed: local_care (less urgent than the referral); REVIEW NEEDED" in out
    code, out, _ = cli(capsys, staff, "basis-changes", "--json")
    assert code == 0 and [(c["referral_id"], c["open"]) for c in json.loads(out)] == [(first, True)]
    # the referral list says so too, so it cannot be missed there
    code, out, _ = cli(capsys, staff, "list")
    (line,) = [row for row in out.splitlines()[1:] if row.split()[0] == str(first)]
    assert code == 0 and out.splitlines()[0].endswith("basis") and line.endswith("REVIEW NEEDED")
    code, out, _ = cli(capsys, staff, "list", "--json")
    assert {r["id"]: r["basis_review_needed"] for r in json.loads(out)["data"]}[first] is True

    # Bad input: one line, exit 2 (unknown referral: not found, exit 1), nothing recorded.
    code, _, err = cli(capsys, staff, "acknowledge", str(first), "--actor", "dr_wu", "--reason", "  ")
    assert (code, err) == (
        2,
        "error: reason: acknowledging a corrected referral basis needs a reason (it was empty)\n",
    )
    code, _, err = cli(capsys, staff, "acknowledge", str(first), "--actor", "dr_wu")
    assert code == 2 and "--reason" in err
    code, _, err = cli(capsys, staff, "acknowledge", "999", "--actor", "dr_wu", "--reason", "x")
    log = staff.app.state.runtime.settings.database.path
    assert (code, err) == (
        1,
        f"error: no referral 999 in the referral log {log}: `{triage_command()} referrals list --db {log}`"
        " lists its referrals; nothing changed\n",
    )
    code, _, err = cli(capsys, staff, "acknowledge", "first", "--actor", "dr_wu", "--reason", "x")
    assert code == 2 and 'Invalid value for "ID"' in err
    assert referral(staff, first)["basis_review_needed"] is True

    code, out, _ = cli(
        capsys, staff, "acknowledge", str(first), "--actor", "dr_wu", "--reason", "rechecked: 27.9"
    )
    assert (code, out) == (0, f"referral {first}: 1 basis change reviewed by dr_wu, referral kept\n")
    code, _, err = cli(capsys, staff, "acknowledge", str(first), "--actor", "dr_wu", "--reason", "again")
    assert code == 1 and "no corrected basis waiting for review" in err
    code, out, _ = cli(capsys, staff, "show", str(first))
    assert "acknowledged by dr_wu at" in out and ": rechecked: 27.9" in out
    assert cli(capsys, staff, "basis-changes")[1] == "no referral waits for a basis review\n"
    assert "REVIEW NEEDED" not in cli(capsys, staff, "list")[1]
    assert "acknowledged by dr_wu" in cli(capsys, staff, "basis-changes", "--all")[1]

    # Cancelling clears it too: the note is required.
    deliver(staff, result("28.0", "corrected"))  # the lab restores the value: flagged again
    assert referral(staff, first)["basis_review_needed"] is True
    code, _, err = cli(capsys, staff, "cancel", str(first), "--actor", "dr_wu", "--note", " ")
    assert (code, err) == (2, "error: a referral can only be cancelled with a note saying why\n")
    code, out, _ = cli(capsys, staff, "cancel", str(first), "--actor", "dr_wu", "--note", "patient declined")
    assert (code, out) == (0, f"referral {first}: cancelled by dr_wu (patient declined)\n")
    detail = referral(staff, first)
    assert detail["status"] == "cancelled" and detail["basis_review_needed"] is False
    assert [c["resolution"] for c in detail["basis_changes"]] == ["acknowledged", "cancelled"]
    for command in ("basis-changes", "acknowledge", "cancel"):
        assert main(["referrals", command, "--help"]) == 0
    capsys.readouterr()


def test_exports_carry_the_marker(staff: Staff, tmp_path: Path) -> None:
    referral_id, _ = proposed_on(staff)
    deliver(staff, result("8.2", "corrected"))
    db = staff.app.state.runtime.databases.get()
    out = tmp_path / "referrals.csv"
    assert export.export_referrals(db, out, "csv") == 1
    with out.open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    (change,) = rows(staff, "SELECT changed_at FROM referral_basis_changes")
    assert (row["basis_review_needed"], row["basis_corrected_at"]) == ("true", change["changed_at"])
    (entry,) = export.fhir_bundle(db)["entry"]
    (note,) = entry["resource"]["note"]
    assert note["time"] == change["changed_at"]
    assert note["text"] == (
        "basis corrected by a device: glucose_random 28.0 mmol/L -> 8.2 mmol/L after the referral was"
        " proposed; re-assessed: local_care (less urgent than the referral); REVIEW NEEDED"
    )
    assert keep(staff, referral_id, "rechecked").status_code == 200
    assert export.export_referrals(db, out, "csv") == 1
    with out.open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["basis_review_needed"] == "false"
    (entry,) = export.fhir_bundle(db)["entry"]
    assert "; acknowledged by clinician at " in entry["resource"]["note"][0]["text"]


def test_reviewed_keep_pressed_again_after_no_answer_leads_where_the_first_did(staff: Staff) -> None:
    """The page's "Reviewed, keep referral" sent again (pressed after app.js said there was no
    answer, the first press recorded) met "has no corrected basis waiting for review" (409); now it
    leads where the first would have, recorded once. Another reason, or another clinician's review,
    is still refused."""
    referral_id, encounter_id = proposed_on(staff)
    deliver(staff, result("8.2", "corrected"))
    token = staff.login(Role.clinician)
    form = {"reason": "re-measured 27.9", "csrf_token": token, "back": f"/encounters/{encounter_id}"}
    for _press in range(2):
        sent = staff.client.post(f"/referrals/{referral_id}/basis-review", data=form, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == f"/encounters/{encounter_id}"
    assert referral_actions(staff, referral_id).count("referral.basis_reviewed") == 1
    other = {**form, "reason": "something else"}
    refused = staff.client.post(f"/referrals/{referral_id}/basis-review", data=other, follow_redirects=False)
    assert refused.status_code == 409

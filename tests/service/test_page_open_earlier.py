"""The morning after a busy day: a visit nobody closed was no longer in today's queue (it lists
one day) and stayed open for good, unseen. The queue now lists the last days' visits still open,
each linked to its page, and says how many of today's visits are still open - the end-of-day
review. Real service, real SQLite, forms with CSRF."""

from __future__ import annotations

from datetime import timedelta

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language, _walk_in
from triage.service.auth import Role
from triage.service.pages.queue import EARLIER_DAYS


def _move_back(staff: Staff, encounter_id: int, days: int) -> str:
    """The visit as if it had been opened ``days`` days ago (its day and start); its day."""
    rt = staff.app.state.runtime
    db = rt.databases.get()
    day = (rt.clock.today() - timedelta(days=days)).isoformat()
    with db.conn:
        db.conn.execute(
            "UPDATE encounters SET day = ?, started_at = ? WHERE id = ?",
            [day, f"{day}T09:15:00+00:00", encounter_id],
        )
    return day


def test_visits_left_open_on_earlier_days_are_listed_until_closed(staff: Staff) -> None:
    yesterday = _walk_in(staff, "EARLIER-1")["encounter_id"]
    too_old = _walk_in(staff, "EARLIER-OLD")["encounter_id"]
    today = _walk_in(staff, "TODAY-1")["encounter_id"]
    closed_today = _walk_in(staff, "TODAY-2")["encounter_id"]
    day = _move_back(staff, yesterday, 1)
    _move_back(staff, too_old, EARLIER_DAYS + 1)
    csrf = staff.login(Role.clinician)
    closing = staff.client.post(
        f"/encounters/{closed_today}/close",
        data={"csrf_token": csrf, "reason": "went home", "without_referral": "1"},
        follow_redirects=False,
    )
    assert closing.status_code == 303, closing.text
    page = staff.client.get("/queue").text
    note = page.split('id="earlier-open"')[1].split("</div>")[0]
    assert f"Visits of the last {EARLIER_DAYS} days still open (nobody closed them): 1." in note
    assert f'<a href="/encounters/{yesterday}" ' in note and f"started {day} " in note
    assert f"/encounters/{too_old}" not in note, "older than the days looked at"
    assert f'data-encounter="{yesterday}"' not in page.split('id="earlier-open"')[1].split("</div>", 1)[1]
    assert f'data-encounter="{today}"' in page, "today's queue as before"
    assert "Today&#39;s visits: 2 (1 still open, 1 closed)." in page
    # the live fragment says the same (it replaces the queue as results arrive)
    assert 'id="earlier-open"' in staff.client.get("/queue/rows").text
    _language(staff, csrf, "zh")
    chinese = staff.client.get("/queue").text
    assert f"近 {EARLIER_DAYS} 天仍未结束的就诊（未执行“结束就诊”）：1 次。" in chinese
    assert "今日就诊 2 次（未结束 1 次，已结束 1 次）。" in chinese
    # closed from its page, it is no longer listed
    done = staff.client.post(
        f"/encounters/{yesterday}/close",
        data={"csrf_token": csrf, "reason": "reviewed next morning", "without_referral": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert 'id="earlier-open"' not in staff.client.get("/queue").text

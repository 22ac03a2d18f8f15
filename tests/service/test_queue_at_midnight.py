"""The queue page drawn as the clinic's midnight passes: it read the clinic's day twice - once for
the earlier days' visits still open (:func:`triage.service.pages.queue.open_earlier`: the days before
it), once for today's rows - so a page drawn across midnight took the day that was ending for the
one and the new day for the other, and a visit of the day that was ending, still open, was in
neither: the nurse's patient was gone from the queue until the next refresh. The page now reads the
day once. The clock is placed at the moment (the project's way: a :class:`referral.clock.Clock` of
the runtime's, as ``test_api_idempotency_retention`` and ``test_measured_today`` do), never waited
for; real service, real SQLite."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from referral.clock import Clock
from tests.service.conftest import Staff
from tests.service.test_page_wording import _walk_in
from triage.service.auth import Role


class _MidnightAfterTheFirstRead(Clock):
    """The clinic's clock a millisecond before the midnight that ends ``day``, that midnight
    passing as soon as the clinic's day has been read once: the read is the last moment of
    ``day``, every later one is the next day's first."""

    def __init__(self, day: date, like: Clock) -> None:
        super().__init__(like.zone)
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time())
        zoned = midnight.astimezone() if like.zone is None else midnight.replace(tzinfo=like.zone)
        object.__setattr__(
            self, "moments", [zoned - timedelta(milliseconds=1), zoned + timedelta(milliseconds=1)]
        )

    def now(self) -> datetime:
        moments: list[datetime] = self.__dict__["moments"]
        return moments[0]

    def today(self) -> date:
        moments: list[datetime] = self.__dict__["moments"]
        day = moments[0].date()
        del moments[:-1]  # read once: midnight has passed
        return day


def test_a_visit_still_open_is_on_the_queue_drawn_as_midnight_passes(staff: Staff) -> None:
    rt = staff.app.state.runtime
    visit = _walk_in(staff, "MIDNIGHT-1")["encounter_id"]
    day = date.fromisoformat(
        str(rt.databases.get().conn.execute("SELECT day FROM encounters WHERE id = ?", [visit]).fetchone()[0])
    )
    staff.login(Role.nurse)
    for path in ("/queue", "/queue/rows"):  # the page, and the live fragment that replaces it
        rt.clock = _MidnightAfterTheFirstRead(day, rt.clock)
        page = staff.client.get(path).text
        listed = page.count(f'id="visit-{visit}"') + page.count(f'id="earlier-{visit}"')  # today's, earlier
        assert listed == 1, f"{path} drawn as {day}'s midnight passed: the visit shown {listed} times"

"""A live event is published only once what it announces is committed.

The staff pages re-read the queue on each ``queue`` event. A walk-in's unit of the group commit
published its event from inside the batch's transaction, and the event loop served the page's
re-read while the commit's fsync ran on the helper thread: the page read the queue as it was
before the walk-in, and no later event came to correct it (seen: a browser test's queue never
showed the second urgent patient). Now the events a unit publishes wait for the batch's commit,
and a unit that fails publishes none. A real SQLite file and a real group commit; the disk is made
slow (the commit waits before it runs) so the window is wide enough to see every time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from referral import store
from referral.records import PatientIn
from referral.schema import connect
from triage.errors import UserInputError
from triage.service.commit import GroupCommitter
from triage.service.events import EventHub


class _SlowDisk(GroupCommitter):
    """A commit that takes 0.3 s, as an fsync on a busy disk can."""

    def _commit(self) -> None:
        time.sleep(0.3)
        super()._commit()


def _walk_in(hub: EventHub, mrn: str, *, refused: bool = False) -> Callable[[Database], str]:
    def unit(db: Database) -> str:
        store.upsert_patient(db, PatientIn(mrn=mrn), actor="test", reason="t")
        hub.publish("queue", mrn=mrn)
        if refused:
            raise UserInputError(f"{mrn} refused")
        return mrn

    return unit


def _stored(path: Path) -> list[str]:
    db = connect(path, migrate=False)
    try:
        return [str(row[0]) for row in db.conn.execute("SELECT mrn FROM patients ORDER BY mrn")]
    finally:
        db.close()


def test_a_page_reading_on_the_event_sees_what_it_announces(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    connect(path).close()

    async def scenario() -> list[tuple[bytes, list[str]]]:
        hub = EventHub()
        hub.bind(asyncio.get_running_loop())
        committer = _SlowDisk(path, 5000)
        committer.start()
        stream = hub.stream()
        await anext(stream)  # the hello: subscribed
        seen: list[tuple[bytes, list[str]]] = []

        async def page() -> None:  # reads the log the moment an event arrives, as htmx does
            seen.append((await anext(stream), _stored(path)))

        reader = asyncio.create_task(page())
        try:
            await committer.run(_walk_in(hub, "URGENT-2"))
            await asyncio.wait_for(reader, 5)
        finally:
            await stream.aclose()
            await committer.stop()
        return seen

    [(event, stored)] = asyncio.run(scenario())
    assert b'"mrn":"URGENT-2"' in event
    assert stored == ["URGENT-2"], "the event arrived before the walk-in it announces was committed"


def test_a_unit_that_fails_publishes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    connect(path).close()

    async def scenario() -> bytes:
        hub = EventHub()
        hub.bind(asyncio.get_running_loop())
        committer = GroupCommitter(path, 5000)
        committer.start()
        stream = hub.stream()
        await anext(stream)
        try:
            refused = await asyncio.gather(
                committer.run(_walk_in(hub, "GONE", refused=True)), return_exceptions=True
            )
            assert isinstance(refused[0], UserInputError)
            await committer.run(_walk_in(hub, "KEPT"))
            return await asyncio.wait_for(anext(stream), 5)
        finally:
            await stream.aclose()
            await committer.stop()

    first = asyncio.run(scenario())
    assert b'"mrn":"KEPT"' in first, f"a rolled-back unit's event was published: {first!r}"
    assert _stored(path) == ["KEPT"]

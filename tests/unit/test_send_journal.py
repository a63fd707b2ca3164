"""The sender's journal: writes committed as they come, grouped while a commit is in flight, one at a time."""

import asyncio
import uuid

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryUnitOfWork
from application.send_journal import SendJournal
from domain.delivery import DeliveryStatus
from tests.unit.test_run_daily_mail import make_job, make_user
from tests.unit.test_run_sender import NOW, plan


async def claimed(uow: InMemoryUnitOfWork, users: int, claimant: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    _, run = await plan(uow, [make_user("1500041", f"u{n}") for n in range(users)], [make_job("ホール")])
    async with uow:
        got = await uow.deliveries.claim_pending(run.id, users, claimant, NOW, NOW)
        await uow.commit()
    return run.id, [d.id for d in got]


async def test_concurrent_writes_share_commits_and_only_the_claimant_may_begin() -> None:
    uow = InMemoryUnitOfWork()
    run_id, ids = await claimed(uow, 6, "me")
    journal = SendJournal(uow, FixedClock(NOW), run_id, "me")
    began = await asyncio.gather(*(journal.begin(i) for i in ids))
    assert began == [True] * 6
    assert journal.commits < 6  # the first commit runs alone, the rest wait and go together
    async with uow:
        stored = [await uow.deliveries.get(i) for i in ids]
    assert all(d is not None and d.sending_at == NOW for d in stored)
    other = SendJournal(uow, FixedClock(NOW), run_id, "someone else")
    assert await other.begin(ids[0]) is False


class SlowUnitOfWork(InMemoryUnitOfWork):
    """Commits take a while, and (like the SQLAlchemy one) it refuses to open twice at once."""

    is_open = False

    async def __aenter__(self) -> "SlowUnitOfWork":
        if self.is_open:
            raise RuntimeError("this unit of work is already open")
        self.is_open = True
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await super().__aexit__(*exc)  # type: ignore[arg-type]
        self.is_open = False

    async def commit(self) -> None:
        await asyncio.sleep(0.05)
        await super().commit()


async def test_a_cancelled_caller_leaves_the_commit_running_and_drain_waits_for_it() -> None:
    uow = SlowUnitOfWork()
    run_id, ids = await claimed(uow, 2, "me")
    journal = SendJournal(uow, FixedClock(NOW), run_id, "me")
    renew = asyncio.create_task(journal.renew())
    await asyncio.sleep(0)  # the flush has started
    renew.cancel()
    with pytest.raises(asyncio.CancelledError):
        await renew
    await journal.drain()
    async with uow:  # free again: the flush finished before drain returned
        d = await uow.deliveries.get(ids[0])
    assert d is not None
    assert d.status is DeliveryStatus.PENDING

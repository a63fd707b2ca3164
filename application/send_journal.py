"""The sender's writes while it sends, committed as they happen and grouped while a commit is in flight.

Every delivery is marked in flight (committed) before its message leaves and its outcome is committed as
soon as the relay answers, so a sender killed at any moment leaves at most the messages it had in flight
(one per connection) in doubt. The unit of work holds one transaction at a time: all of the sender's
writes go through this one queue, whose single flusher takes everything queued at once.

A bounce that comes with an outcome (a recipient refused for good at RCPT TO) is recorded, and its address
suppressed, in the same commit as that outcome. It is recorded even when the delivery's claim has passed
to another sender (whose outcome stands): the relay's word about the address holds whoever sent it."""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from application.bounce_handling import BounceOutcome, BouncePolicy, record_bounce
from application.ports import Clock, UnitOfWork
from domain.delivery import Delivery
from domain.suppression import BounceEvent, normalize_address


@dataclass
class _Pending:
    begin: list[uuid.UUID] = field(default_factory=list)
    settle: list[Delivery] = field(default_factory=list)
    bounces: list[BounceEvent] = field(default_factory=list)
    renew: bool = False
    waiters: list[asyncio.Future[set[uuid.UUID]]] = field(default_factory=list)


class SendJournal:
    def __init__(self, uow: UnitOfWork, clock: Clock, run_id: uuid.UUID, claimant: str,
                 bounces: BouncePolicy | None = None) -> None:  # fmt: skip
        self._uow, self._clock, self._run_id, self._claimant = uow, clock, run_id, claimant
        self._policy = bounces or BouncePolicy()
        self._pending = _Pending()
        self._flusher: asyncio.Task[None] | None = None
        self.commits = 0
        self._suppressed = 0

    async def begin(self, delivery_id: uuid.UUID) -> bool:
        """Mark a delivery in flight; False when its claim is no longer ours (do not send it)."""
        self._pending.begin.append(delivery_id)
        return delivery_id in await self._submit()

    async def begin_many(self, delivery_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Mark deliveries in flight in one commit; those whose claim is still ours (send only these)."""
        if not delivery_ids:
            return set()
        self._pending.begin.extend(delivery_ids)
        return set(delivery_ids) & await self._submit()

    async def settle(self, deliveries: Sequence[Delivery], bounces: Sequence[BounceEvent] = ()) -> None:
        """Record outcomes (final, deferred, or released unchanged) and release their claims; and, in the
        same commit, the bounces they brought (see `application.bounce_handling`)."""
        self._pending.settle.extend(deliveries)
        self._pending.bounces.extend(bounces)
        await self._submit()

    def take_suppressed(self) -> int:
        """Addresses suppressed by the bounces committed since the last call."""
        taken, self._suppressed = self._suppressed, 0
        return taken

    async def renew(self) -> None:
        """Extend the lease of every delivery this sender holds in the run."""
        self._pending.renew = True
        await self._submit()

    async def drain(self) -> None:
        """Wait for the writes in progress (one cancelled caller does not cancel the commit it joined)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.wait({self._flusher})

    def _submit(self) -> asyncio.Future[set[uuid.UUID]]:
        waiter: asyncio.Future[set[uuid.UUID]] = asyncio.get_running_loop().create_future()
        self._pending.waiters.append(waiter)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return waiter

    async def _flush(self) -> None:
        while self._pending.waiters:
            work, self._pending = self._pending, _Pending()
            try:
                started = await self._write(work)
            except BaseException as exc:
                for waiter in work.waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for waiter in work.waiters:
                if not waiter.done():
                    waiter.set_result(started)

    async def _write(self, work: _Pending) -> set[uuid.UUID]:
        now = self._clock.now()
        started: set[uuid.UUID] = set()
        suppressed = 0
        async with self._uow as uow:
            # Outcomes first: a worker's next begin may follow its previous settle in the same commit.
            await uow.deliveries.save_outcomes(work.settle, self._claimant)
            # in address order, so two senders suppressing the same addresses wait rather than deadlock
            for event in sorted(work.bounces, key=lambda e: normalize_address(e.email)):
                if await record_bounce(uow.suppressions, event, self._policy) is BounceOutcome.SUPPRESSED:
                    suppressed += 1
            if work.renew:
                await uow.deliveries.renew_claims(self._run_id, self._claimant, now)
            if work.begin:
                started = await uow.deliveries.begin_sending(work.begin, self._claimant, now)
            await uow.commit()
        self.commits += 1
        self._suppressed += suppressed
        return started

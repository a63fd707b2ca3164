"""In-memory twin of the delivery repository: runs, deliveries, their matches and the senders' claims."""

import copy
import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime

from adapters.in_memory.store import Transaction
from domain.campaign import CampaignRun
from domain.delivery import MAILED_STATUSES, Delivery, DeliveryStatus, FailureKind, PlannedDelivery
from domain.jst import as_utc


class InMemoryDeliveryRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._runs = tx.runs
        self._deliveries = tx.deliveries

    async def get_or_create_run(self, campaign_id: uuid.UUID, run_date: date, now: datetime) -> CampaignRun:
        for run in self._runs.peek():
            if run.campaign_id == campaign_id and run.run_date == run_date:
                found = self._runs.get(run.id)
                assert found is not None
                return found
        run = CampaignRun(campaign_id=campaign_id, run_date=run_date, started_at=as_utc(now))
        self._runs.add(run.id, run)
        return run

    async def save_run(self, run: CampaignRun) -> None:
        self._runs.put(run.id, run)

    async def get_run(self, run_id: uuid.UUID) -> CampaignRun | None:
        return self._runs.get(run_id)

    async def find_run(self, campaign_id: uuid.UUID, run_date: date) -> CampaignRun | None:
        found = [r for r in self._runs.peek() if r.campaign_id == campaign_id and r.run_date == run_date]
        return self._runs.get(found[0].id) if found else None

    async def runs_of(self, campaign_id: uuid.UUID, limit: int) -> list[CampaignRun]:
        found = sorted((r for r in self._runs.peek() if r.campaign_id == campaign_id), key=lambda r: r.run_date,
                       reverse=True)  # fmt: skip
        return [run for run in (self._runs.get(r.id) for r in found[:limit]) if run is not None]

    async def planned_user_ids(self, run_id: uuid.UUID) -> set[uuid.UUID]:
        return {d.user_id for d in self._deliveries.peek() if d.run_id == run_id}

    async def add_planned(self, deliveries: Sequence[PlannedDelivery | Delivery]) -> int:
        planned = {(d.run_id, d.user_id) for d in self._deliveries.peek()}
        now = datetime.now(UTC)
        inserted = 0
        for plan in deliveries:
            key = (plan.run_id, plan.user_id)
            if key in planned or plan.id in self._deliveries:
                continue
            # Stored as a copy: like rows written in bulk, the caller's objects are not tracked.
            if isinstance(plan, PlannedDelivery):
                delivery = plan.as_delivery(now)
            else:
                delivery = copy.deepcopy(plan)
                delivery.created_at = delivery.created_at or now
            self._deliveries.put(delivery.id, delivery)
            planned.add(key)
            inserted += 1
        return inserted

    async def claim_pending(
        self, run_id: uuid.UUID, limit: int, claimant: str, now: datetime, stale_before: datetime,
        user_ids: Collection[uuid.UUID] | None = None,
    ) -> list[Delivery]:  # fmt: skip
        stale = as_utc(stale_before)
        claims = self._tx.claims
        users = None if user_ids is None else set(user_ids)

        def claimable(d: Delivery) -> bool:
            claim = claims.get(d.id)
            return (
                d.run_id == run_id
                and (users is None or d.user_id in users)
                and d.status is DeliveryStatus.PENDING
                and (claim is None or as_utc(claim[1]) < stale)
                and (d.retry_at is None or as_utc(d.retry_at) <= as_utc(now))
            )

        candidates = sorted((d for d in self._deliveries.peek() if claimable(d)), key=lambda d: d.id)
        claimed = candidates[:limit]
        for delivery in claimed:
            claims[delivery.id] = (claimant, as_utc(now))
        return [copy.deepcopy(d) for d in claimed]

    async def renew_claims(self, run_id: uuid.UUID, claimant: str, now: datetime) -> int:
        mine = [d.id for d in self._deliveries.peek() if d.run_id == run_id and d.status is DeliveryStatus.PENDING
                and self._holds(d.id, claimant)]  # fmt: skip
        for delivery_id in mine:
            self._tx.claims[delivery_id] = (claimant, as_utc(now))
        return len(mine)

    async def begin_sending(self, delivery_ids: Collection[uuid.UUID], claimant: str, now: datetime) -> set[uuid.UUID]:
        started = set()
        for delivery_id in delivery_ids:
            stored = self._deliveries.get(delivery_id)
            if stored is not None and stored.status is DeliveryStatus.PENDING and self._holds(delivery_id, claimant):
                stored.sending_at = as_utc(now)
                self._tx.claims[delivery_id] = (claimant, as_utc(now))
                started.add(delivery_id)
        return started

    async def save_outcomes(self, deliveries: Sequence[Delivery], claimant: str) -> None:
        for outcome in deliveries:
            stored = self._deliveries.get(outcome.id)
            if stored is None or not self._holds(outcome.id, claimant):
                continue
            stored.status, stored.reason, stored.subject = outcome.status, outcome.reason, outcome.subject
            stored.message_id, stored.sent_at = outcome.message_id, outcome.sent_at
            stored.attempts, stored.sending_at, stored.retry_at = outcome.attempts, outcome.sending_at, outcome.retry_at
            stored.failure, stored.smtp_code, stored.detail = outcome.failure, outcome.smtp_code, outcome.detail
            self._tx.claims.pop(outcome.id, None)

    async def retry_failed(self, run_id: uuid.UUID) -> int:
        retried = 0
        for d in self._deliveries.peek():
            if d.run_id == run_id and d.status is DeliveryStatus.FAILED and d.failure is FailureKind.RETRYABLE:
                stored = self._deliveries.get(d.id)
                assert stored is not None
                stored.retry()
                self._tx.claims.pop(d.id, None)
                retried += 1
        return retried

    def _holds(self, delivery_id: uuid.UUID, claimant: str) -> bool:
        claim = self._tx.claims.get(delivery_id)
        return claim is not None and claim[0] == claimant
    async def mailed_counts(
        self, user_ids: Collection[uuid.UUID], since: datetime, exclude_run_id: uuid.UUID | None
    ) -> dict[uuid.UUID, int]:
        counts: dict[uuid.UUID, int] = dict.fromkeys(user_ids, 0)
        start = as_utc(since)
        for d in self._deliveries.peek():
            if d.user_id not in counts or d.sent_at is None or d.run_id == exclude_run_id:
                continue
            if as_utc(d.sent_at) >= start:
                counts[d.user_id] += 1
        return counts

    async def mailed_job_ids(
        self, user_ids: Collection[uuid.UUID], since: datetime, exclude_run_id: uuid.UUID | None
    ) -> dict[uuid.UUID, set[uuid.UUID]]:
        mailed: dict[uuid.UUID, set[uuid.UUID]] = {user_id: set() for user_id in user_ids}
        start = as_utc(since)
        for d in self._deliveries.peek():
            if (
                d.user_id in mailed
                and d.status in MAILED_STATUSES
                and d.sent_at is not None
                and as_utc(d.sent_at) >= start
                and d.run_id != exclude_run_id
            ):
                mailed[d.user_id].update(m.job_id for m in d.matches)
        return mailed

    async def status_counts(self, run_id: uuid.UUID, user_ids: Collection[uuid.UUID] | None = None) -> dict[str, int]:
        users = None if user_ids is None else set(user_ids)
        return dict(Counter(
            str(d.status) for d in self._deliveries.peek()
            if d.run_id == run_id and (users is None or d.user_id in users)
        ))  # fmt: skip

    async def reason_counts(self, run_id: uuid.UUID) -> dict[str, int]:
        settled = (DeliveryStatus.SKIPPED, DeliveryStatus.FAILED)
        return dict(
            Counter(
                d.reason or "unknown" for d in self._deliveries.peek() if d.run_id == run_id and d.status in settled
            )
        )

    async def get(self, delivery_id: uuid.UUID) -> Delivery | None:
        return self._deliveries.get(delivery_id)

    async def for_user(self, run_id: uuid.UUID, user_id: uuid.UUID) -> Delivery | None:
        for d in self._deliveries.peek():
            if d.run_id == run_id and d.user_id == user_id:
                return self._deliveries.get(d.id)
        return None

"""In-memory twin of the analytics queries: the same figures, counted in Python."""

import uuid
from collections import defaultdict
from datetime import date, timedelta

from adapters.in_memory.store import Transaction
from application.ports import DayActivity, RunCounts, VariantRunCounts
from domain.action import ActionKind
from domain.analytics import DeliveryCounts
from domain.delivery import Delivery, DeliveryStatus
from domain.jst import as_utc, at_jst, jst_date


def _counts(deliveries: list[Delivery]) -> DeliveryCounts:
    def count(status: DeliveryStatus) -> int:
        return sum(d.status is status for d in deliveries)

    return DeliveryCounts(
        deliveries=len(deliveries), pending=count(DeliveryStatus.PENDING),
        sent=sum(d.sent_at is not None for d in deliveries), skipped=count(DeliveryStatus.SKIPPED),
        failed=count(DeliveryStatus.FAILED), bounced=count(DeliveryStatus.BOUNCED),
        opened=sum(d.opened_at is not None or d.clicked_at is not None for d in deliveries),
        clicked=sum(d.clicked_at is not None for d in deliveries),
        unsubscribed=sum(d.unsubscribed_at is not None for d in deliveries),
    )  # fmt: skip


class InMemoryAnalytics:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def campaign_runs(self, campaign_id: uuid.UUID) -> list[RunCounts]:
        by_run: dict[uuid.UUID, list[Delivery]] = defaultdict(list)
        for delivery in self._tx.deliveries.peek():
            by_run[delivery.run_id].append(delivery)
        runs = sorted((r for r in self._tx.runs.peek() if r.campaign_id == campaign_id), key=lambda r: r.run_date,
                      reverse=True)  # fmt: skip
        return [RunCounts(r.id, r.run_date, r.status.value, _counts(by_run[r.id])) for r in runs]

    async def campaign_variant_runs(self, campaign_id: uuid.UUID) -> list[VariantRunCounts]:
        groups: dict[tuple[uuid.UUID, uuid.UUID], list[Delivery]] = defaultdict(list)
        runs = {r.id for r in self._tx.runs.peek() if r.campaign_id == campaign_id}
        for d in self._tx.deliveries.peek():
            if d.run_id in runs and d.variant_id is not None:
                groups[(d.run_id, d.variant_id)].append(d)
        return [VariantRunCounts(run_id, variant_id, _counts(ds)) for (run_id, variant_id), ds in groups.items()]

    async def daily_activity(self, first: date, last: date) -> list[DayActivity]:
        start, end = at_jst(first, 0), at_jst(last + timedelta(days=1), 0)
        new_users: dict[date, int] = defaultdict(int)
        for user in self._tx.users.peek():
            if user.created_at is not None and start <= as_utc(user.created_at) < end:
                new_users[jst_date(user.created_at)] += 1
        active: dict[date, set[uuid.UUID]] = defaultdict(set)
        actions: dict[date, int] = defaultdict(int)
        applications: dict[date, int] = defaultdict(int)
        for action in self._tx.actions.peek():
            if start <= as_utc(action.occurred_at) < end:
                day = jst_date(action.occurred_at)
                active[day].add(action.user_id)
                actions[day] += 1
                applications[day] += action.kind is ActionKind.APPLY
        days = sorted(new_users.keys() | actions.keys())
        return [DayActivity(d, new_users[d], len(active[d]), actions[d], applications[d]) for d in days]

"""In-memory twin of the instant-alert record: one alert per (user, job)."""

import uuid
from collections.abc import Collection, Sequence

from adapters.in_memory.store import Transaction
from domain.alerts import JobAlert
from domain.jst import as_utc


class InMemoryJobAlertRepository:
    def __init__(self, tx: Transaction) -> None:
        self._alerts = tx.job_alerts

    async def add_new(self, alerts: Sequence[JobAlert]) -> list[JobAlert]:
        added = []
        for alert in alerts:
            key = (alert.user_id, alert.job_id)
            if key not in self._alerts:
                self._alerts[key] = JobAlert(alert.user_id, alert.job_id, alert.delivery_id, alert.event_id,
                                             as_utc(alert.alerted_at))  # fmt: skip
                added.append(alert)
        return added

    async def alerted_among(
        self, user_ids: Collection[uuid.UUID], job_ids: Collection[uuid.UUID]
    ) -> set[tuple[uuid.UUID, uuid.UUID]]:
        users, jobs = set(user_ids), set(job_ids)
        return {(u, j) for u, j in self._alerts if u in users and j in jobs}

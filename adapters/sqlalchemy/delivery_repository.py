"""Campaign runs and deliveries (email_logs with their matching_results).

Deliveries are written with set-based statements, not the ORM: a daily run plans one per user, and the
sender claims and settles them in batches."""

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.bulk import chunked, dialect_name, insert_ignoring_conflicts
from adapters.sqlalchemy.planned_deliveries import add_planned
from domain.campaign import CampaignRun, RunStatus
from domain.delivery import MAILED_STATUSES, Delivery, DeliveryStatus, FailureKind

_SETTLED_WITH_REASON = (DeliveryStatus.SKIPPED, DeliveryStatus.FAILED)


class SqlAlchemyDeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_or_create_run(self, campaign_id: uuid.UUID, run_date: date, now: datetime) -> CampaignRun:
        await self._session.flush()
        # ON CONFLICT DO NOTHING then SELECT: a racing process either inserts first (we wait for its
        # commit on the unique key, then read its row) or finds ours.
        runs = t.campaign_runs
        values = {
            "id": uuid.uuid4(), "campaign_id": campaign_id, "run_date": run_date,
            "status": RunStatus.PLANNING, "started_at": now,
        }  # fmt: skip
        await self._session.execute(insert_ignoring_conflicts(await dialect_name(self._session), runs), values)
        query = select(CampaignRun).where(runs.c.campaign_id == campaign_id, runs.c.run_date == run_date)
        return (await self._session.scalars(query)).one()

    async def save_run(self, run: CampaignRun) -> None:
        await self._session.merge(run)
        await self._session.flush()

    async def get_run(self, run_id: uuid.UUID) -> CampaignRun | None:
        return await self._session.get(CampaignRun, run_id)

    async def find_run(self, campaign_id: uuid.UUID, run_date: date) -> CampaignRun | None:
        runs = t.campaign_runs
        query = select(CampaignRun).where(runs.c.campaign_id == campaign_id, runs.c.run_date == run_date)
        return (await self._session.scalars(query)).first()

    async def runs_of(self, campaign_id: uuid.UUID, limit: int) -> list[CampaignRun]:
        runs = t.campaign_runs
        query = select(CampaignRun).where(runs.c.campaign_id == campaign_id).order_by(runs.c.run_date.desc())
        return list(await self._session.scalars(query.limit(limit)))

    async def planned_user_ids(self, run_id: uuid.UUID) -> set[uuid.UUID]:
        logs = t.email_logs
        await self._session.flush()
        return set(await self._session.scalars(select(logs.c.user_id).where(logs.c.run_id == run_id)))

    async def add_planned(self, deliveries: Sequence[Delivery]) -> int:
        return await add_planned(self._session, deliveries)

    async def claim_pending(
        self, run_id: uuid.UUID, limit: int, claimant: str, now: datetime, stale_before: datetime,
        user_ids: Collection[uuid.UUID] | None = None,
    ) -> list[Delivery]:  # fmt: skip
        await self._session.flush()
        logs = t.email_logs
        # FOR UPDATE SKIP LOCKED (PostgreSQL only; SQLite has one writer at a time and runs the whole
        # UPDATE under its write lock) keeps a concurrent claimant off the rows we are taking.
        candidates = (
            select(logs.c.id)
            .where(
                logs.c.run_id == run_id,
                logs.c.status == DeliveryStatus.PENDING,
                or_(logs.c.claimed_at.is_(None), logs.c.claimed_at < stale_before),
                or_(logs.c.retry_at.is_(None), logs.c.retry_at <= now),
            )
            # No ORDER BY: sorting every pending row of a 100k run cost more than the claim itself.
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if user_ids is not None:  # a shard's users: a few thousand at most, one parameter array
            candidates = candidates.where(logs.c.user_id.in_(list(user_ids)))
        claim = (
            update(logs)
            .where(logs.c.id.in_(candidates))
            .values(claimed_by=claimant, claimed_at=now)
            .returning(logs.c.id)
        )
        claimed_ids = list(await self._session.scalars(claim))
        if not claimed_ids:
            return []
        query = select(Delivery).where(logs.c.id.in_(claimed_ids)).order_by(logs.c.id)
        claimed = list(await self._session.scalars(query))
        # Claimed deliveries are work items settled through save_outcomes; detached, the session will not
        # write them a second time on commit.
        for delivery in claimed:
            self._session.expunge(delivery)
        return claimed

    async def renew_claims(self, run_id: uuid.UUID, claimant: str, now: datetime) -> int:
        await self._session.flush()
        logs = t.email_logs
        statement = (
            update(logs)
            .where(logs.c.run_id == run_id, logs.c.claimed_by == claimant, logs.c.status == DeliveryStatus.PENDING)
            .values(claimed_at=now)
        )
        result = await self._session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def begin_sending(self, delivery_ids: Collection[uuid.UUID], claimant: str, now: datetime) -> set[uuid.UUID]:
        if not delivery_ids:
            return set()
        await self._session.flush()
        logs = t.email_logs
        statement = (
            update(logs)
            .where(
                logs.c.id.in_(list(delivery_ids)),
                logs.c.claimed_by == claimant,
                logs.c.status == DeliveryStatus.PENDING,
            )
            .values(sending_at=now, claimed_at=now)
            .returning(logs.c.id)
        )
        return set(await self._session.scalars(statement))

    async def save_outcomes(self, deliveries: Sequence[Delivery], claimant: str) -> None:
        if not deliveries:
            return
        await self._session.flush()
        logs = t.email_logs
        # Only where the claim is still ours: a sender whose lease ran out (and whose deliveries another
        # sender took) must not overwrite that sender's outcome.
        statement = (
            update(logs)
            .where(logs.c.id == bindparam("delivery_id"), logs.c.claimed_by == bindparam("claimant"))
            .values(
                status=bindparam("new_status"), reason=bindparam("new_reason"),
                subject=bindparam("new_subject"), message_id=bindparam("new_message_id"),
                sent_at=bindparam("new_sent_at"), attempts=bindparam("new_attempts"),
                sending_at=bindparam("new_sending_at"), retry_at=bindparam("new_retry_at"),
                failure=bindparam("new_failure"), smtp_code=bindparam("new_smtp_code"),
                detail=bindparam("new_detail"), claimed_by=None, claimed_at=None,
            )
        )  # fmt: skip
        rows = [
            {
                "delivery_id": d.id, "claimant": claimant, "new_status": d.status, "new_reason": d.reason,
                "new_subject": d.subject, "new_message_id": d.message_id,
                "new_sent_at": d.sent_at, "new_attempts": d.attempts, "new_sending_at": d.sending_at,
                "new_retry_at": d.retry_at, "new_failure": d.failure, "new_smtp_code": d.smtp_code,
                "new_detail": d.detail,
            }
            for d in deliveries
        ]  # fmt: skip
        await self._session.execute(statement, rows)

    async def retry_failed(self, run_id: uuid.UUID) -> int:
        await self._session.flush()
        logs = t.email_logs
        statement = (
            update(logs)
            .where(
                logs.c.run_id == run_id,
                logs.c.status == DeliveryStatus.FAILED,
                logs.c.failure == FailureKind.RETRYABLE,
            )
            .values(
                status=DeliveryStatus.PENDING, reason=None, failure=None, smtp_code=None, detail=None,
                retry_at=None, sending_at=None, attempts=0, claimed_by=None, claimed_at=None,
            )
        )  # fmt: skip
        result = await self._session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]
    async def mailed_counts(
        self, user_ids: Collection[uuid.UUID], since: datetime, exclude_run_id: uuid.UUID | None
    ) -> dict[uuid.UUID, int]:
        await self._session.flush()
        logs = t.email_logs
        counts: dict[uuid.UUID, int] = dict.fromkeys(user_ids, 0)
        query = select(logs.c.user_id, func.count()).where(logs.c.sent_at >= since).group_by(logs.c.user_id)
        if exclude_run_id is not None:
            query = query.where(logs.c.run_id != exclude_run_id)
        for chunk in chunked(counts):
            for user_id, count in await self._session.execute(query.where(logs.c.user_id.in_(chunk))):
                counts[user_id] = int(count)
        return counts

    async def mailed_job_ids(
        self, user_ids: Collection[uuid.UUID], since: datetime, exclude_run_id: uuid.UUID | None
    ) -> dict[uuid.UUID, set[uuid.UUID]]:
        await self._session.flush()
        logs, matches = t.email_logs, t.matching_results
        mailed: dict[uuid.UUID, set[uuid.UUID]] = {user_id: set() for user_id in user_ids}
        query = (
            select(logs.c.user_id, matches.c.job_id)
            .select_from(matches.join(logs, matches.c.delivery_id == logs.c.id))
            .where(logs.c.status.in_(sorted(MAILED_STATUSES)), logs.c.sent_at >= since)
        )
        if exclude_run_id is not None:
            query = query.where(logs.c.run_id != exclude_run_id)
        for chunk in chunked(mailed):
            for user_id, job_id in await self._session.execute(query.where(logs.c.user_id.in_(chunk))):
                mailed[user_id].add(job_id)
        return mailed

    async def status_counts(self, run_id: uuid.UUID, user_ids: Collection[uuid.UUID] | None = None) -> dict[str, int]:
        logs = t.email_logs
        await self._session.flush()
        query = select(logs.c.status, func.count()).where(logs.c.run_id == run_id).group_by(logs.c.status)
        if user_ids is None:
            return {str(status): count for status, count in await self._session.execute(query)}
        counts: dict[str, int] = {}
        for chunk in chunked(user_ids):
            for status, count in await self._session.execute(query.where(logs.c.user_id.in_(chunk))):
                counts[str(status)] = counts.get(str(status), 0) + count
        return counts

    async def reason_counts(self, run_id: uuid.UUID) -> dict[str, int]:
        logs = t.email_logs
        await self._session.flush()
        query = (
            select(logs.c.reason, func.count())
            .where(logs.c.run_id == run_id, logs.c.status.in_(_SETTLED_WITH_REASON))
            .group_by(logs.c.reason)
        )
        return {reason or "unknown": count for reason, count in await self._session.execute(query)}

    async def get(self, delivery_id: uuid.UUID) -> Delivery | None:
        return await self._session.get(Delivery, delivery_id)

    async def for_user(self, run_id: uuid.UUID, user_id: uuid.UUID) -> Delivery | None:
        logs = t.email_logs
        query = select(Delivery).where(logs.c.run_id == run_id, logs.c.user_id == user_id)
        return (await self._session.scalars(query)).first()

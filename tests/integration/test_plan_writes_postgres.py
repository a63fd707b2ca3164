"""Writing a run's plan on PostgreSQL: each match's foreign-key check stays a primary-key lookup.

PostgreSQL plans the check of matching_results.delivery_id once per connection and keeps the plan. On the
first run of a fresh database email_logs holds a page or two when the first match is written, and a plan
made then is a sequential scan that every later check would repeat over the whole, growing table (the
run's writes grew quadratically: 20k users went from 0.1 s to 2 s per 10k matches). The writer plans the
check with sequential scans off; `pg_stat_xact_user_tables` counts the rows the writing transaction read
by sequential scans of email_logs.
"""

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.engine import create_session_factory
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from domain.campaign import Campaign
from domain.delivery import Delivery, MatchedJob

NOW = datetime(2025, 4, 1, tzinfo=UTC)

pytestmark = [pytest.mark.postgres]


async def planned(
    engine: AsyncEngine, run_id: uuid.UUID, campaign_id: uuid.UUID, users: int, per_user: int
) -> list[Delivery]:
    ids = [uuid.uuid4() for _ in range(users)]
    async with engine.begin() as connection:
        await connection.execute(insert(t.users), [{"id": u, "email": f"{u.hex[:12]}@example.jp"} for u in ids])
    return [
        Delivery(run_id, campaign_id, user_id, "x@example.jp", matches=[
            MatchedJob(uuid.uuid4(), rank, 0.9, 0.5, 0.2, 0.3, ["近い"], 1.5, 12) for rank in range(1, per_user + 1)
        ])
        for user_id in ids
    ]  # fmt: skip


async def test_match_foreign_key_checks_never_read_email_logs_sequentially(postgres_engine: AsyncEngine) -> None:
    sessions = create_session_factory(postgres_engine)
    campaign = Campaign(id=uuid.uuid4(), name="daily")
    async with SqlAlchemyUnitOfWork(sessions) as uow:
        await uow.campaigns.add(campaign)
        run = await uow.deliveries.get_or_create_run(campaign.id, date(2025, 4, 1), NOW)
        await uow.commit()
    async with postgres_engine.begin() as connection:  # statistics of an empty table, as after a DBA's ANALYZE
        await connection.execute(text("ANALYZE email_logs"))
    scans = []
    # The first chunk meets an almost empty email_logs, as the first chunk of a fresh database's first run.
    for users in (1, 300, 300, 300):
        deliveries = await planned(postgres_engine, run.id, campaign.id, users, 10)
        uow = SqlAlchemyUnitOfWork(sessions)
        async with uow:
            assert await uow.deliveries.add_planned(deliveries) == users
            session = uow.session
            query = text("SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'email_logs'")
            scans.append((await session.execute(query)).scalar_one())
            await uow.commit()
    assert scans == [0, 0, 0, 0]

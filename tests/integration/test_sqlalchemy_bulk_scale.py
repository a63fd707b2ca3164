"""The bulk paths at daily-run scale: audience load, score replacement, planning and claiming.

Sizes come from MAILSCORE_SCALE_USERS (default 5,000; the production figure is 100,000) with ten jobs
per user. The rows written are checked exactly; times are printed (run with -s) for a look, never asserted:
speed is measured by the benchmarks in bench/, not by timed tests.
"""

import json
import os
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.engine import create_session_factory
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from application.ports import ScoreRecord
from domain.campaign import Campaign
from domain.delivery import Delivery, MatchedJob

USERS = int(os.environ.get("MAILSCORE_SCALE_USERS", "5000"))
JOBS, PER_USER = 1_000, 10
NOW = datetime(2025, 4, 1, tzinfo=UTC)

pytestmark = [pytest.mark.slow]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> AsyncEngine:
    return request.getfixturevalue(f"{request.param}_engine")  # type: ignore[no-any-return]


@contextmanager
def timed(step: str, rows: int) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    print(f"{step}: {rows:,} rows in {elapsed:.2f} s")


async def seed(engine: AsyncEngine) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    users, jobs = [uuid.uuid4() for _ in range(USERS)], [uuid.uuid4() for _ in range(JOBS)]
    job_rows = [
        {"id": j, "title": "品出し", "company_name": "c", "job_type": "小売", "prefecture_code": "13",
         "prefecture": "東京都", "city": "渋谷区", "hourly_wage": 1200, "requirements": {}, "benefits": [],
         "posted_at": NOW}
        for j in jobs
    ]  # fmt: skip
    async with engine.begin() as connection:
        await connection.execute(insert(t.jobs), job_rows)
        for start in range(0, USERS, 10_000):
            chunk = users[start : start + 10_000]
            await connection.execute(insert(t.users), [{"id": u, "email": f"{u.hex[:12]}@example.jp"} for u in chunk])
            await connection.execute(
                insert(t.user_addresses),
                [{"id": uuid.uuid4(), "user_id": u, "prefecture_code": "13", "prefecture": "東京都",
                  "city": "渋谷区", "latitude": 35.66, "longitude": 139.7} for u in chunk],
            )  # fmt: skip
            await connection.execute(
                insert(t.user_preferences),
                [{"id": uuid.uuid4(), "user_id": u, "preferred_job_types": ["小売"], "preferred_industries": [],
                  "availability": {"mon": [["09:00", "17:00"]]}} for u in chunk],
            )  # fmt: skip
    return users, jobs


async def count(engine: AsyncEngine, table: t.Table) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_daily_run_volumes(engine: AsyncEngine) -> None:
    users, jobs = await seed(engine)
    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    with timed("list_audience", USERS):
        async with uow:
            audience = await uow.users.list_audience()
    assert len(audience) == USERS
    assert all(u.address is not None and u.preferences is not None for u in audience)

    factors = json.dumps({"distance_km": 1.2, "wage": 0.4})
    scores = [
        ScoreRecord(u, j, 0.5, 0.2, 0.3, random.random(), factors, NOW)
        for u in users
        for j in random.sample(jobs, PER_USER)
    ]
    for _ in range(2):  # into an empty table, then replacing every row
        with timed("replace_scores", len(scores)):
            async with uow:
                await uow.scores.replace_for_users(users, scores)
                await uow.commit()
    assert await count(engine, t.user_job_scores) == len(scores)

    campaign = Campaign(id=uuid.uuid4(), name="daily")
    async with uow:
        await uow.campaigns.add(campaign)
        run = await uow.deliveries.get_or_create_run(campaign.id, date(2025, 4, 1), NOW)
        await uow.commit()
    deliveries = [
        Delivery(run.id, campaign.id, u, "x@example.jp", matches=[
            MatchedJob(j, rank, 0.9, 0.5, 0.2, 0.3, ["近い", "時給"], 1.5, 12)
            for rank, j in enumerate(random.sample(jobs, PER_USER), 1)
        ])
        for u in users
    ]  # fmt: skip
    with timed("add_planned", len(deliveries) * (PER_USER + 1)):
        async with uow:
            assert await uow.deliveries.add_planned(deliveries) == USERS
            await uow.commit()
    assert await count(engine, t.matching_results) == USERS * PER_USER

    sent = 0
    with timed("claim_and_save", USERS):
        while True:
            async with uow:
                batch = await uow.deliveries.claim_pending(run.id, 1_000, "scale", NOW, NOW)
                for delivery in batch:
                    delivery.mark_sent(NOW, "本日のおすすめ", f"<{delivery.id.hex}@example.jp>")
                    delivery.attempts += 1
                await uow.deliveries.save_outcomes(batch, "scale")
                await uow.commit()
            if not batch:
                break
            sent += len(batch)
    assert sent == USERS

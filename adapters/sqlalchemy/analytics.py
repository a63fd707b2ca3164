"""Admin analytics as grouped SQL on PostgreSQL and SQLite: every figure is a COUNT or SUM(CASE) in the
database; bounds are bound parameters, and days are cut in JST by the database itself."""

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from adapters.sqlalchemy import tables as t
from application.ports import DayActivity, RunCounts, VariantRunCounts
from domain.action import ActionKind
from domain.analytics import DeliveryCounts
from domain.delivery import DeliveryStatus
from domain.jst import at_jst


class jst_day(FunctionElement[date]):
    """The JST calendar date of a UTC timestamp column."""

    type = Date()
    inherit_cache = True


@compiles(jst_day, "postgresql")
def _jst_day_postgresql(element: jst_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Tokyo') AS DATE)"


@compiles(jst_day, "sqlite")
def _jst_day_sqlite(element: jst_day, compiler: SQLCompiler, **kw: Any) -> str:
    # UtcDateTime stores naive UTC text on SQLite; JST has no daylight saving, so +9 hours is exact.
    return f"date({compiler.process(element.clauses, **kw)}, '+9 hours')"


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _delivery_counts() -> list[ColumnElement[int]]:
    """The columns of a DeliveryCounts over the email_logs rows of a group, in its field order."""
    logs = t.email_logs
    return [
        func.count(logs.c.id),
        _count_if(logs.c.status == DeliveryStatus.PENDING),
        _count_if(logs.c.sent_at.is_not(None)),
        _count_if(logs.c.status == DeliveryStatus.SKIPPED),
        _count_if(logs.c.status == DeliveryStatus.FAILED),
        _count_if(logs.c.status == DeliveryStatus.BOUNCED),
        _count_if(logs.c.opened_at.is_not(None) | logs.c.clicked_at.is_not(None)),
        _count_if(logs.c.clicked_at.is_not(None)),
        _count_if(logs.c.unsubscribed_at.is_not(None)),
    ]


class SqlAlchemyAnalytics:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def campaign_runs(self, campaign_id: uuid.UUID) -> list[RunCounts]:
        runs, logs = t.campaign_runs, t.email_logs
        query = (
            select(runs.c.id, runs.c.run_date, runs.c.status, *_delivery_counts())
            .select_from(runs.outerjoin(logs, logs.c.run_id == runs.c.id))
            .where(runs.c.campaign_id == campaign_id)
            .group_by(runs.c.id, runs.c.run_date, runs.c.status)
            .order_by(runs.c.run_date.desc())
        )
        rows = (await self._session.execute(query)).all()
        return [RunCounts(row[0], row[1], str(row[2]), DeliveryCounts(*(int(n) for n in row[3:]))) for row in rows]

    async def campaign_variant_runs(self, campaign_id: uuid.UUID) -> list[VariantRunCounts]:
        runs, logs = t.campaign_runs, t.email_logs
        query = (
            select(logs.c.run_id, logs.c.variant_id, *_delivery_counts())
            .select_from(runs.join(logs, logs.c.run_id == runs.c.id))
            .where(runs.c.campaign_id == campaign_id, logs.c.variant_id.is_not(None))
            .group_by(logs.c.run_id, logs.c.variant_id)
        )
        rows = (await self._session.execute(query)).all()
        return [VariantRunCounts(row[0], row[1], DeliveryCounts(*(int(n) for n in row[2:]))) for row in rows]

    async def daily_activity(self, first: date, last: date) -> list[DayActivity]:
        start, end = at_jst(first, 0), at_jst(last + timedelta(days=1), 0)
        users, actions = t.users, t.user_actions
        joined = jst_day(users.c.created_at)
        new_users = (
            select(joined, func.count())
            .where(users.c.created_at >= start, users.c.created_at < end)
            .group_by(joined)
        )
        acted = jst_day(actions.c.created_at)
        activity = (
            select(acted, func.count(distinct(actions.c.user_id)), func.count(),
                   _count_if(actions.c.action_type == ActionKind.APPLY))
            .where(actions.c.created_at >= start, actions.c.created_at < end)
            .group_by(acted)
        )
        days: dict[date, list[int]] = {}
        for day, count in (await self._session.execute(new_users)).all():
            days.setdefault(_as_date(day), [0, 0, 0, 0])[0] = int(count)
        for day, active, count, applied in (await self._session.execute(activity)).all():
            days.setdefault(_as_date(day), [0, 0, 0, 0])[1:] = [int(active), int(count), int(applied)]
        return [DayActivity(day, *figures) for day, figures in sorted(days.items())]


def _as_date(value: date | str) -> date:
    # SQLite gives the text of date(); PostgreSQL a date.
    return value if isinstance(value, date) else date.fromisoformat(value)

"""Site activity per JST day: new users, active users (distinct users who did anything), actions and
applications.

Rules: `first` and `last` are JST dates, both included; by default the 30 days ending today (JST). `first`
may not be after `last`, and a report covers at most 366 days. Every day of the range is listed, days
without activity with zeros. The counting is done by the storage (AnalyticsQueries).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from application.ports import Clock, DayActivity, UnitOfWork
from application.report_dates import check_report_date
from domain.errors import InvalidInput
from domain.jst import jst_date

MAX_DAYS = 366
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class DailyActivityQuery:
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class DailyActivity:
    first: date
    last: date
    days: list[DayActivity]


class ShowDailyActivity:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, query: DailyActivityQuery) -> DailyActivity:
        check_report_date("from", query.first)
        check_report_date("to", query.last)
        last = query.last or (jst_date(self._clock.now()) if query.first is None else
                              query.first + timedelta(days=DEFAULT_DAYS - 1))  # fmt: skip
        first = query.first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise InvalidInput("from", f"{first} is after to={last}")
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidInput("to", f"a report covers at most {MAX_DAYS} days")
        async with self._uow as uow:
            found = {d.day: d for d in await uow.analytics.daily_activity(first, last)}
        days = [
            found.get(day, DayActivity(day, 0, 0, 0, 0))
            for day in (first + timedelta(days=i) for i in range((last - first).days + 1))
        ]
        return DailyActivity(first, last, days)

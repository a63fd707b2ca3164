"""Five-field cron expressions (minute hour day-of-month month day-of-week) read in Japan time.

`0 8 * * *` fires at 08:00 JST every day whatever the server's zone; `30 7 * * 1-5` at 07:30 on weekdays.
Fields take `*`, numbers, ranges `a-b`, lists `a,b` and steps `*/n` or `a-b/n`; day of week 0 or 7 is
Sunday. When both day fields are restricted, either matching is enough (as in cron)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.jst import JST, as_utc

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
_LOOKBACK = timedelta(days=366)


class CronError(ValueError):
    """A cron expression that cannot be read; the message names the field."""


def _parse_field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if spec == "*":
                start, end = low, high
            elif "-" in spec:
                first, _, last = spec.partition("-")
                start, end = int(first), int(last)
            else:
                start = end = int(spec)
        except ValueError:
            raise CronError(f"cron {name}: not a number, range or step: {part!r}") from None
        if step <= 0 or not (low <= start <= end <= high):
            raise CronError(f"cron {name}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> "CronSchedule":
        parts = expression.split()
        if len(parts) != len(_FIELDS):
            raise CronError(f"cron: five fields expected (minute hour day month weekday), got {expression!r}")
        minutes, hours, days, months, weekdays = (
            _parse_field(text, name, low, high) for text, (name, low, high) in zip(parts, _FIELDS, strict=True)
        )
        weekdays = frozenset(d % 7 for d in weekdays)
        return cls(" ".join(parts), minutes, hours, days, months, weekdays, parts[2] == "*", parts[4] == "*")

    def matches_day(self, moment: datetime) -> bool:
        in_days = moment.day in self.days
        in_weekdays = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_days and in_weekdays
        return in_days or in_weekdays

    def latest_at_or_before(self, moment: datetime) -> datetime | None:
        """The last firing at or before `moment` (UTC), within a year; None if there is none."""
        local = as_utc(moment).astimezone(JST).replace(second=0, microsecond=0)
        limit = local - _LOOKBACK
        day = local.replace(hour=0, minute=0)
        while day >= limit.replace(hour=0, minute=0):
            if day.month in self.months and self.matches_day(day):
                for hour in sorted(self.hours, reverse=True):
                    for minute in sorted(self.minutes, reverse=True):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate <= local:
                            return as_utc(candidate)
            day -= timedelta(days=1)
        return None


@dataclass(eq=False)
class ScheduledFire:
    """What became of one due firing of a schedule: `started` (the run was queued, on time or late within
    the allowed lateness) or `missed` (found too late, after downtime). One record per (schedule, fire_at)."""

    schedule_id: str
    fire_at: datetime
    outcome: str
    recorded_at: datetime
    run_date: str | None = None

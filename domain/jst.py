"""Japan time: what a person reads or sets is in JST; storage is UTC."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import overload

JST = timezone(timedelta(hours=9), "JST")


def utc_now() -> datetime:
    return datetime.now(UTC)


def end_of_day_jst(day: date) -> datetime:
    """A job that 'expires on D' stays open through the whole of D in Japan: until 00:00 JST of D+1."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=JST).astimezone(UTC)


def jst_date(moment: datetime) -> date:
    return as_utc(moment).astimezone(JST).date()


def at_jst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=JST).astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime; a naive one (SQLite returns those) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@overload
def as_jst(moment: datetime) -> datetime: ...
@overload
def as_jst(moment: None) -> None: ...
def as_jst(moment: datetime | None) -> datetime | None:
    """The moment as a person in Japan reads it (stored naive values are UTC); None stays None."""
    return None if moment is None else as_utc(moment).astimezone(JST)

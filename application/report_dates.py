"""The JST dates a report may be asked for: far enough from date.min and date.max that a day added or
taken away, or the day's start in UTC, is still a date (schemathesis found 0001-01-01 giving a 500)."""

from datetime import date

from domain.errors import InvalidInput

EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


def check_report_date(field: str, day: date | None) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise InvalidInput(field, f"a date between {EARLIEST} and {LATEST}")

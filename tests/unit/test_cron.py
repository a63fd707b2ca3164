"""Cron expressions read in Japan time, whatever the server's zone."""

from datetime import UTC, datetime

import pytest

from domain.cron import CronError, CronSchedule
from domain.jst import JST


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)  # type: ignore[misc]


def test_a_daily_cron_fires_at_its_jst_hour() -> None:
    cron = CronSchedule.parse("0 8 * * *")
    assert cron.latest_at_or_before(jst(2026, 12, 3, 8, 0)) == jst(2026, 12, 3, 8, 0).astimezone(UTC)
    assert cron.latest_at_or_before(jst(2026, 12, 3, 7, 59)) == jst(2026, 12, 2, 8, 0).astimezone(UTC)
    # 23:30 UTC on the 2nd is already 08:30 JST on the 3rd
    assert cron.latest_at_or_before(datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == jst(2026, 12, 3, 8, 0)


def test_weekdays_ranges_steps_and_lists() -> None:
    weekdays = CronSchedule.parse("30 7 * * 1-5")
    # 2026-12-05 is a Saturday: the last firing is Friday's
    assert weekdays.latest_at_or_before(jst(2026, 12, 6, 12, 0)) == jst(2026, 12, 4, 7, 30)
    every_quarter = CronSchedule.parse("*/15 9,18 * * *")
    assert every_quarter.latest_at_or_before(jst(2026, 12, 3, 18, 44)) == jst(2026, 12, 3, 18, 30)
    sunday = CronSchedule.parse("0 10 * * 7")
    assert sunday.latest_at_or_before(jst(2026, 12, 9, 0, 0)) == jst(2026, 12, 6, 10, 0)


def test_either_restricted_day_field_matches() -> None:
    cron = CronSchedule.parse("0 8 1 * 1")  # the 1st of the month, or any Monday
    assert cron.latest_at_or_before(jst(2026, 12, 2, 9, 0)) == jst(2026, 12, 1, 8, 0)
    assert cron.latest_at_or_before(jst(2026, 12, 8, 9, 0)) == jst(2026, 12, 7, 8, 0)


@pytest.mark.parametrize(
    ("expression", "message"),
    [("0 8 * *", "five fields"), ("60 8 * * *", "minute"), ("0 x * * *", "hour"), ("0 8 * 13 *", "month"),
     ("*/0 8 * * *", "minute")],
)  # fmt: skip
def test_a_bad_expression_names_its_field(expression: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        CronSchedule.parse(expression)

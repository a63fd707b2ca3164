"""Per-user frequency cap and shared addresses, through RunDailyMail on the in-memory storage."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from adapters.mail.outbox import OutboxMailer
from application.ports import NullProgress
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand, RunSummary
from domain.delivery import DeliveryStatus
from domain.frequency import FrequencyCap
from domain.jst import at_jst
from entrypoints.config import ConfigError, load_settings
from tests.unit.test_run_daily_mail import OPTIONS, REFERENCE, RUN_DATE, World, make_job, make_user


async def run(world: World, day: date, cap: FrequencyCap) -> RunSummary:
    use_case = RunDailyMail(
        InMemoryUnitOfWork(world.store), REFERENCE, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"),
        OutboxMailer(world.outbox), FixedClock(at_jst(day, 8)), OPTIONS, NullProgress(), frequency=cap,
    )  # fmt: skip
    return await use_case(RunDailyMailCommand("daily", day))


async def test_a_user_at_the_cap_is_skipped_with_the_reason_until_the_period_has_passed(tmp_path: Path) -> None:
    world, hanako = World(tmp_path / "outbox"), make_user("1600022", "hanako")
    await world.add(hanako, *(make_job(f"カフェ{i}") for i in range(60)))  # enough new jobs for every day
    cap = FrequencyCap(mails=2, days=3)
    days = [RUN_DATE + timedelta(days=n) for n in range(6)]
    outcomes = []
    for day in days:
        await run(world, day, cap)
        delivery = world.deliveries(day)[hanako.id]
        outcomes.append((delivery.status.value, delivery.reason))
    skipped = ("skipped", "frequency_cap")
    # at most two mails in any three consecutive days (JST), the run's own day included
    assert outcomes == [("sent", None), ("sent", None), skipped, ("sent", None), ("sent", None), skipped]


async def test_no_cap_by_default(tmp_path: Path) -> None:
    world, hanako = World(tmp_path / "outbox"), make_user("1600022", "hanako")
    await world.add(hanako, *(make_job(f"カフェ{i}") for i in range(40)))
    for n in range(3):
        summary = await run(world, RUN_DATE + timedelta(days=n), FrequencyCap())
        assert summary.status_counts == {"sent": 1}


async def test_users_sharing_one_address_are_each_mailed_or_skipped_with_a_reason(tmp_path: Path) -> None:
    world = World(tmp_path / "outbox")
    mother, son = make_user("1600022", "mother"), make_user("1500041", "son")
    away = make_user("1920083", "away")  # far from every job: nothing to send
    son.email = away.email = mother.email  # one family mailbox
    await world.add(mother, son, away, make_job("渋谷カフェ"))
    summary = await run(world, RUN_DATE, FrequencyCap(mails=1, days=1))
    deliveries = world.deliveries()
    assert {u.full_name: (deliveries[u.id].status.value, deliveries[u.id].reason) for u in (mother, son, away)} == {
        "mother": ("sent", None), "son": ("sent", None), "away": ("skipped", "no_new_matches"),
    }  # fmt: skip
    assert summary.status_counts == {"sent": 2, "skipped": 1}
    assert len(world.files()) == 2
    assert all(d.status is not DeliveryStatus.PENDING for d in deliveries.values())


def test_the_cap_setting() -> None:
    assert load_settings({"MAILSCORE_MAIL_CAP": "5/7"}).mail_cap == (5, 7)
    assert load_settings({}).mail_cap is None
    for bad in ("5", "0/7", "5/0", "a/b", "-1/7"):
        with pytest.raises(ConfigError, match="MAILSCORE_MAIL_CAP"):
            load_settings({"MAILSCORE_MAIL_CAP": bad})


async def test_a_weekly_user_gets_at_most_one_mail_in_any_seven_days(tmp_path: Path) -> None:
    world = World(tmp_path / "outbox")
    weekly, daily = make_user("1600022", "weekly", mail_frequency="weekly"), make_user("1500041", "daily")
    await world.add(weekly, daily, *(make_job(f"カフェ{i}") for i in range(100)))
    outcomes = []
    for n in range(9):
        await run(world, RUN_DATE + timedelta(days=n), FrequencyCap())
        mine = world.deliveries(RUN_DATE + timedelta(days=n))
        outcomes.append(mine[weekly.id].reason or mine[weekly.id].status.value)
        assert mine[daily.id].status is DeliveryStatus.SENT
    assert outcomes == ["sent", *["weekly"] * 6, "sent", "weekly"]

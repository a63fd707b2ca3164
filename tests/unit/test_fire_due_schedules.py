"""The scheduler's tick with a controllable clock: fires at the JST time, never merely at start-up,
late only within the allowed lateness, and each firing once."""

import uuid
from datetime import date, timedelta

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from application.use_cases.fire_due_schedules import FireDueSchedules, ScheduleOptions
from domain.alerts import INSTANT_ALERTS_CAMPAIGN
from domain.campaign import Campaign, TemplateType
from domain.jst import at_jst
from tests.fakes import RecordingQueue

DAY = date(2026, 12, 3)


def setup(
    *campaigns: Campaign, **options: object
) -> tuple[FireDueSchedules, FixedClock, RecordingQueue, InMemoryStore]:
    store = InMemoryStore()
    for campaign in campaigns:
        store.campaigns[campaign.id] = campaign
    clock, queue = FixedClock(at_jst(DAY, 7, 59)), RecordingQueue()
    tick = FireDueSchedules(InMemoryUnitOfWork(store), queue, clock, ScheduleOptions(**options))  # type: ignore[arg-type]
    return tick, clock, queue, store


async def test_fires_at_the_campaigns_jst_hour_once() -> None:
    tick, clock, queue, _ = setup(Campaign(uuid.uuid4(), "daily", send_hour_jst=8))
    # Started at 07:59 JST: yesterday's 08:00 is long past the lateness, so it is recorded as missed
    # and nothing is queued: starting the scheduler sends nothing.
    assert [f.outcome for f in await tick()] == ["missed"]
    assert queue.starts == []
    clock.moment = at_jst(DAY, 8, 0)
    assert [f.outcome for f in await tick()] == ["started"]
    assert queue.starts == [("daily", DAY)]
    clock.moment = at_jst(DAY, 8, 5)
    assert await tick() == []
    assert len(queue.starts) == 1
    clock.moment = at_jst(
        DAY + timedelta(days=1),
        8,
        0,
    )
    await tick()
    assert queue.starts == [("daily", DAY), ("daily", DAY + timedelta(days=1))]


async def test_after_downtime_a_run_is_sent_late_only_within_the_lateness() -> None:
    late_ok, clock, queue, store = setup(Campaign(uuid.uuid4(), "daily"), lateness=timedelta(minutes=30))
    clock.moment = at_jst(DAY, 8, 25)  # down from 07:50 to 08:25
    assert [f.outcome for f in await late_ok()] == ["started"]
    assert queue.starts == [("daily", DAY)]
    too_late, clock, queue, store = setup(Campaign(uuid.uuid4(), "daily"), lateness=timedelta(minutes=30))
    clock.moment = at_jst(DAY, 12, 0)
    fired = await too_late()
    assert [f.outcome for f in fired] == ["missed"]
    assert queue.starts == []
    assert fired[0].fire_at == at_jst(DAY, 8)
    async with InMemoryUnitOfWork(store) as uow:
        (record,) = await uow.schedule.fires("campaign:daily")
    assert (record.outcome, record.run_date) == ("missed", DAY.isoformat())
    assert await too_late() == []  # recorded once; nothing is sent for it later


async def test_a_cron_from_the_settings_and_inactive_campaigns() -> None:
    tick, clock, queue, _ = setup(
        Campaign(uuid.uuid4(), "weekday", send_hour_jst=8), Campaign(uuid.uuid4(), "paused", is_active=False),
        crons={"weekday": "30 7 * * 1-5"},
    )  # fmt: skip
    clock.moment = at_jst(DAY, 7, 30)  # a Thursday
    assert [(f.schedule_id, f.outcome) for f in await tick()] == [("campaign:weekday", "started")]
    clock.moment = at_jst(date(2026, 12, 5), 7, 30)  # Saturday: still Friday's firing, long done
    assert [f.outcome for f in await tick()] == ["missed"]
    assert queue.starts == [("weekday", DAY)]


async def test_the_instant_alert_campaign_is_never_fired() -> None:
    # Made with send_hour_jst=0 and active: a schedule for it would queue a run that check_can_run refuses.
    alerts = Campaign(uuid.uuid4(), INSTANT_ALERTS_CAMPAIGN, template_type=TemplateType.INSTANT_ALERT.value,
                      send_hour_jst=0)  # fmt: skip
    tick, clock, queue, store = setup(alerts, Campaign(uuid.uuid4(), "daily", send_hour_jst=0))
    clock.moment = at_jst(DAY, 0, 0)
    assert [(f.schedule_id, f.outcome) for f in await tick()] == [("campaign:daily", "started")]
    assert queue.starts == [("daily", DAY)]
    async with InMemoryUnitOfWork(store) as uow:
        assert await uow.schedule.fires(f"campaign:{INSTANT_ALERTS_CAMPAIGN}") == []

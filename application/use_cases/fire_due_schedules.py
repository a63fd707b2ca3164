"""The scheduler's tick: start the daily runs whose time has come (cron in Japan time).

Rules:
- Each active campaign has a schedule: its cron expression from the settings, else `0 <send hour> * * *`;
  but the instant-alert system campaign, which is never run (job events send its mails; see
  domain.campaign.Campaign.check_can_run), has none.
- A firing is due once its time (JST) has passed. It is handled once: started (the run queued for the
  firing's JST date) or, when found later than `lateness` after its time (the scheduler was down),
  recorded as missed and not sent. Only the latest firing of a schedule is considered, never older ones.
- Nothing fires at start-up: a scheduler started at 12:00 does not send the 08:00 mail unless 08:00 is
  within the allowed lateness (and even then only if that firing was not handled before).
- Only the firing's record decides; a run started by hand for that date is resumed, not duplicated.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from application.ports import Clock, TaskQueue, UnitOfWork
from domain.cron import CronSchedule, ScheduledFire
from domain.jst import as_utc, jst_date


@dataclass(frozen=True)
class ScheduleOptions:
    lateness: timedelta = timedelta(minutes=30)
    crons: dict[str, str] = field(default_factory=dict)  # campaign name -> cron (JST)


@dataclass(frozen=True)
class FiredSchedule:
    schedule_id: str
    fire_at: datetime
    outcome: str  # started | missed


class FireDueSchedules:
    def __init__(self, uow: UnitOfWork, queue: TaskQueue, clock: Clock, options: ScheduleOptions) -> None:
        self._uow, self._queue, self._clock, self._options = uow, queue, clock, options

    def schedule_for(self, name: str, send_hour_jst: int) -> CronSchedule:
        return CronSchedule.parse(self._options.crons.get(name) or f"0 {send_hour_jst} * * *")

    async def __call__(self) -> list[FiredSchedule]:
        now = as_utc(self._clock.now())
        async with self._uow as uow:
            campaigns = [c for c in await uow.campaigns.list_all() if c.is_active and not c.is_instant_alerts]
        fired: list[FiredSchedule] = []
        for campaign in campaigns:
            fire_at = self.schedule_for(campaign.name, campaign.send_hour_jst).latest_at_or_before(now)
            if fire_at is None:
                continue
            schedule_id = f"campaign:{campaign.name}"
            run_date = jst_date(fire_at)
            outcome = "started" if now - fire_at <= self._options.lateness else "missed"
            async with self._uow as uow:
                record = ScheduledFire(schedule_id, fire_at, outcome, now, run_date.isoformat())
                if not await uow.schedule.record_fire(record):
                    continue  # handled before
                if outcome == "started":  # queued before the record commits: a failure leaves it due
                    await self._queue.start_run(campaign.name, run_date)
                await uow.commit()
            fired.append(FiredSchedule(schedule_id, fire_at, outcome))
        return fired

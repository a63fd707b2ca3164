"""Instant-alert mail: a changed job that fits a user who asked for instant alerts is also mailed at once,
within the rules every mail keeps.

Rules:
- The mails are deliveries of the system campaign `instant_alerts` (made when first needed), in one run per
  JST day. (run, user) is unique, so a user gets at most one instant-alert mail a day; jobs that fit them
  later that day reach them over the WebSocket and, never having been mailed, in the next daily mail.
  The name is reserved (CreateCampaign refuses it); a campaign found under it that is not an instant-alert
  one (another template type) is refused with NotTheAlertCampaign, before its run is made or moved.
- A job is mailed to a user as an alert once, ever: (user, job) is recorded (job_alerts) in the transaction
  that records the delivery, and a job already mailed to the user (an alert, or any campaign's mail that
  was sent) is left out. So a redelivered event, or a job edited again, mails nothing twice.
- Only the daily mail's audience is alerted (active and opted in: mail frequency `none` is an opt-out).
  A suppressed address, a user at the per-user mail cap (counted over every campaign, this one included)
  and a weekly user mailed in the last seven JST days get a skipped delivery with the reason, as in a run.
  Opt-outs, deactivations and suppressions are checked again when sending.
- Sending does not wait: what can be claimed now is sent, with the daily mail's claims, Message-IDs, links
  and headers. A temporary refusal, or a relay that cannot be reached, leaves the mail pending for the next
  alert of the day to send (or `mail retry-failed instant_alerts --date D`).
"""

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from application.mail_planning import PlanStats, plan_delivery, skip_excluded
from application.mail_sending import RelayUnavailable, RunSender, SendOptions, SendStats
from application.matching import MatchingState
from application.ports import Clock, MailComposer, Mailer, UnitOfWork
from domain.alerts import INSTANT_ALERTS_CAMPAIGN, JobAlert
from domain.campaign import Campaign, CampaignRun, RunStatus, TemplateType
from domain.delivery import PlannedDelivery
from domain.errors import DomainError
from domain.frequency import FrequencyCap
from domain.jst import as_utc, jst_date
from domain.scoring.model import ScoreBreakdown
from domain.user import User

ATTEMPTS = 3  # a lost race for a user's delivery of the day is planned again without that user


class NotTheAlertCampaign(DomainError):
    """The campaign found under the system campaign's name is not an instant-alert one (its template type is
    another): no alert is mailed with another campaign's template, nor is its run touched."""

    def __init__(self, campaign: Campaign) -> None:
        super().__init__(
            f"campaign {campaign.name!r} ({campaign.id}) has template type {campaign.template_type!r}, not "
            f"{TemplateType.INSTANT_ALERT.value!r}: it is not the instant-alert system campaign, so no "
            "instant-alert mail is sent"
        )
        self.campaign_id = campaign.id
        self.template_type = campaign.template_type


@dataclass(frozen=True)
class AlertCandidate:
    user: User
    fits: list[ScoreBreakdown]  # the changed jobs at or above the user's threshold, best first


@dataclass
class AlertMails:
    planned: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # user -> jobs, mailed by this event
    plan: PlanStats = field(default_factory=PlanStats)  # `skipped` counts the users skipped, by reason
    send: SendStats = field(default_factory=SendStats)  # what this pass sent (earlier pending alerts too)
    relay_down: str | None = None


class InstantAlertMail:
    def __init__(
        self, uow: UnitOfWork, composer: MailComposer, mailer: Mailer, clock: Clock, options: SendOptions,
        frequency: FrequencyCap,
    ) -> None:  # fmt: skip
        self._uow, self._clock, self._frequency = uow, clock, frequency
        self._sender = RunSender(uow, composer, mailer, clock, options)

    async def __call__(
        self, candidates: Sequence[AlertCandidate], event_id: str, state: MatchingState,
        namer: Callable[[str], str | None],
    ) -> AlertMails:  # fmt: skip
        result = AlertMails()
        if not candidates:
            return result
        campaign, run = await self._open_run()
        for _ in range(ATTEMPTS):
            stats = PlanStats()  # a rolled-back attempt's skips were not recorded
            planned = await self._plan(run, candidates, event_id, state, namer, stats)
            if planned is not None:
                result.planned, result.plan = {d.user_id: [m.job_id for m in d.matches] for d in planned}, stats
                break
        try:
            await self._sender.send_ready(campaign, run, result.send)
        except RelayUnavailable as exc:
            result.relay_down = str(exc)
        await self._settle(run)
        return result

    async def _open_run(self) -> tuple[Campaign, CampaignRun]:
        now = self._clock.now()
        system = Campaign(uuid.uuid4(), INSTANT_ALERTS_CAMPAIGN, template_type=TemplateType.INSTANT_ALERT.value,
                          jobs_per_mail=3, per_company_cap=3, send_hour_jst=0, created_at=now)  # fmt: skip
        async with self._uow as uow:
            campaign = await uow.campaigns.get_or_add(system)
            if not campaign.is_instant_alerts:  # found by name: refused before its run is made or moved
                raise NotTheAlertCampaign(campaign)
            run = await uow.deliveries.get_or_create_run(campaign.id, jst_date(now), now)
            if run.status is RunStatus.PLANNING:  # nothing is planned ahead: events add to it all day
                run.status = RunStatus.SENDING
                await uow.deliveries.save_run(run)
            await uow.commit()
        return campaign, run

    async def _plan(
        self, run: CampaignRun, candidates: Sequence[AlertCandidate], event_id: str, state: MatchingState,
        namer: Callable[[str], str | None], stats: PlanStats,
    ) -> list[PlannedDelivery] | None:  # fmt: skip
        """Record the day's alert deliveries of these candidates and their (user, job) alerts, in one
        transaction; None when another event won a user's delivery of the day meanwhile (rolled back)."""
        now = self._clock.now()
        async with self._uow as uow:
            # In user order: two events writing rows of the same users lock them in one order (no deadlock).
            fresh = sorted(await _fresh_fits(uow, run, candidates, state), key=lambda c: c.user.id)
            kept = await skip_excluded(uow, run, [c.user for c in fresh], stats, self._frequency)
            fits = {c.user.id: c.fits for c in fresh}
            ids = {u.id: uuid.uuid4() for u in kept}
            alerts = [JobAlert(u.id, s.job_id, ids[u.id], event_id, now) for u in kept for s in fits[u.id]]
            claimed = {(a.user_id, a.job_id) for a in await uow.job_alerts.add_new(alerts)}
            planned = []
            for user in kept:  # a pair another process claimed a moment ago is left out
                mine = [s for s in fits[user.id] if (user.id, s.job_id) in claimed]
                if mine:
                    planned.append(dataclasses.replace(plan_delivery(run, user, mine, state, namer), id=ids[user.id]))
            if await uow.deliveries.add_planned(planned) < len(planned):
                await uow.rollback()
                return None
            await uow.commit()
        return planned

    async def _settle(self, run: CampaignRun) -> None:
        """The day's run is finished while nothing of it is pending, and sending again when an alert is."""
        async with self._uow as uow:
            pending = (await uow.deliveries.status_counts(run.id)).get("pending", 0)
            stored = await uow.deliveries.get_run(run.id)
            if stored is None:
                return
            status = RunStatus.SENDING if pending else RunStatus.FINISHED
            if stored.status is not status:
                stored.status, stored.finished_at = status, None if pending else self._clock.now()
                await uow.deliveries.save_run(stored)
            await uow.commit()


async def _fresh_fits(
    uow: UnitOfWork, run: CampaignRun, candidates: Sequence[AlertCandidate], state: MatchingState
) -> list[AlertCandidate]:
    """The candidates without an alert mail today, each with only the jobs never mailed to them and still in
    the matching state (a job closed between the rescoring's look-up and the state's load is left out)."""
    mailed_today = await uow.deliveries.planned_user_ids(run.id)
    todo = []
    for c in candidates:
        if c.user.id not in mailed_today:
            known = [s for s in c.fits if s.job_id in state.jobs]
            if known:
                todo.append(AlertCandidate(c.user, known))
    if not todo:
        return []
    user_ids = [c.user.id for c in todo]
    job_ids = {s.job_id for c in todo for s in c.fits}
    alerted = await uow.job_alerts.alerted_among(user_ids, job_ids)
    # No job was mailed before it was stored, so its history starts then (and a re-import may move posted_at).
    jobs = [state.jobs[job_id] for job_id in job_ids]
    since = min(min(as_utc(job.posted_at), as_utc(job.created_at or job.posted_at)) for job in jobs)
    mailed = await uow.deliveries.mailed_job_ids(user_ids, since, None)
    fresh = []
    for c in todo:
        fits = [s for s in c.fits if (c.user.id, s.job_id) not in alerted and s.job_id not in mailed.get(c.user.id, ())]
        if fits:
            fresh.append(AlertCandidate(c.user, fits))
    return fresh

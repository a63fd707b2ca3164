"""Send a run's failed deliveries again (`mailscore mail retry-failed CAMPAIGN --date D`).

Rules:
- Only retryable failures go again: temporary refusals that used up their attempts, or a relay that could
  not be reached. Permanent ones (a 5xx reply for that recipient, a mail that cannot be built) never do.
- Each goes back to pending with fresh attempts and is sent like any pending delivery (claimed, marked in
  flight, the same Message-ID); a run that had finished is finished again once none is left pending.
- The run must exist: retrying a run that never happened is an error, not an empty run.
"""

from dataclasses import dataclass
from datetime import date

from application.mail_sending import RunSender, SendOptions
from application.ports import Clock, MailComposer, Mailer, ProgressReporter, UnitOfWork
from application.use_cases.run_daily_mail import RunSummary, send_and_settle
from domain.campaign import RunStatus
from domain.errors import NotFound


@dataclass(frozen=True)
class RetryFailedMailCommand:
    campaign_name: str
    run_date: date  # JST


class RetryFailedMail:
    def __init__(
        self, uow: UnitOfWork, composer: MailComposer, mailer: Mailer, clock: Clock, options: SendOptions,
        progress: ProgressReporter,
    ) -> None:  # fmt: skip
        self._uow, self._clock, self._progress = uow, clock, progress
        self._sender = RunSender(uow, composer, mailer, clock, options)

    async def __call__(self, command: RetryFailedMailCommand) -> RunSummary:
        async with self._uow as uow:
            campaign = await uow.campaigns.by_name(command.campaign_name)
            if campaign is None:
                raise NotFound("campaign", command.campaign_name)
            run = await uow.deliveries.find_run(campaign.id, command.run_date)
            if run is None or run.status is RunStatus.PLANNING:
                raise NotFound("run", f"{campaign.name} {command.run_date.isoformat()}")
            retried = await uow.deliveries.retry_failed(run.id)
            if retried and run.status is RunStatus.FINISHED:
                run.status, run.finished_at = RunStatus.SENDING, None
                await uow.deliveries.save_run(run)
            await uow.commit()
        summary = RunSummary(campaign.name, command.run_date, retried=retried)
        await send_and_settle(self._uow, self._sender, self._clock, self._progress, campaign, run, summary)
        return summary

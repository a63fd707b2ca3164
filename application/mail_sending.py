"""Sending a planned run: claim pending deliveries, compose, hand to the mailer, record the outcome.

A claim is committed before anything is sent, so two senders never work on the same delivery while its
claim is fresh; a claim left by a killed process goes stale after `claim_timeout` and is taken again. The
Message-ID comes from (run, user), so a resend after a crash carries the same identity (the outbox writes
the same file again; a receiving server can drop the duplicate).
"""

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from application import links
from application.ports import (
    Clock,
    MailComposer,
    MailContext,
    MailDeliveryError,
    Mailer,
    MailJob,
    OutgoingMail,
    UnitOfWork,
)  # fmt: skip
from domain.campaign import Campaign, CampaignRun
from domain.delivery import Delivery, SkipReason, message_id_for
from domain.job import Job
from domain.suppression import normalize_address
from domain.user import User


@dataclass(frozen=True)
class SendOptions:
    base_url: str  # the site, for job pages and unsubscribe links
    message_id_domain: str
    signer: links.LinkSigner
    sender_address: str | None = None  # set: each mail's envelope sender is its signed VERP address
    batch_size: int = 200
    max_attempts: int = 3
    claim_timeout: timedelta = timedelta(minutes=5)
    poll_interval: float = 0.5


@dataclass
class SendStats:
    sent: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)


def job_location(job: Job) -> str:
    if job.nearest_station:
        walk = f" 徒歩{job.walking_minutes}分" if job.walking_minutes is not None else ""
        return f"{job.nearest_station}駅{walk}"
    return f"{job.prefecture}{job.city}"


def mail_context(
    delivery: Delivery, user: User, jobs: dict[uuid.UUID, Job], campaign: Campaign, run_date: date,
    now: datetime, options: SendOptions,
) -> MailContext:  # fmt: skip
    base = options.base_url.rstrip("/")
    items = []
    for match in sorted(delivery.matches, key=lambda m: m.match_rank):
        job = jobs[match.job_id]
        target = f"{base}/jobs/{job.id}"
        items.append(MailJob(
            title=job.title, company_name=job.company_name, hourly_wage=job.hourly_wage,
            location=job_location(job), commute_minutes=match.commute_minutes, reasons=tuple(match.reasons),
            url=links.click_url(base, options.signer, delivery.id, job.id, target), generated=job.generated,
        ))  # fmt: skip
    return MailContext(
        delivery_id=delivery.id,
        message_id=message_id_for(delivery.run_id, delivery.user_id, options.message_id_domain),
        recipient_email=user.email,
        recipient_name=user.full_name,
        campaign_name=campaign.name,
        run_date=run_date,
        sent_at=now,
        jobs=tuple(items),
        unsubscribe_url=links.unsubscribe_url(base, options.signer, user.id, delivery.id),
        preferences_url=links.preferences_url(base, options.signer, user.id, delivery.id),
        subject_template=campaign.subject_for(delivery.variant_id),
        html_template=campaign.html_template,
        text_template=campaign.text_template,
        extra={"open_pixel_url": links.open_pixel_url(base, options.signer, delivery.id)},
        return_path=(
            links.verp_address(options.signer, options.sender_address, delivery.id) if options.sender_address else None
        ),
    )


class RunSender:
    def __init__(
        self, uow: UnitOfWork, composer: MailComposer, mailer: Mailer, clock: Clock, options: SendOptions
    ) -> None:
        self._uow, self._composer, self._mailer, self._clock = uow, composer, mailer, clock
        self._options = options
        self.claimant = uuid.uuid4().hex

    async def send_all(self, campaign: Campaign, run: CampaignRun, stats: SendStats,
                       on_batch: Callable[[int], None] | None = None) -> None:  # fmt: skip
        """Until no pending delivery is left: claim a batch, send it, record it; wait out others' claims."""
        while True:
            claimed = await self._claim(run)
            if claimed:
                await self._send_batch(campaign, run, claimed, stats)
                if on_batch is not None:
                    on_batch(len(claimed))
                continue
            async with self._uow as uow:
                pending = (await uow.deliveries.status_counts(run.id)).get("pending", 0)
            if not pending:
                return
            await asyncio.sleep(self._options.poll_interval)  # another sender holds them, or a dead one did

    async def _claim(self, run: CampaignRun) -> list[Delivery]:
        now = self._clock.now()
        async with self._uow as uow:
            claimed = await uow.deliveries.claim_pending(
                run.id, self._options.batch_size, self.claimant, now, now - self._options.claim_timeout
            )
            await uow.commit()
        return claimed

    async def _send_batch(self, campaign: Campaign, run: CampaignRun, batch: Sequence[Delivery],
                          stats: SendStats) -> None:  # fmt: skip
        """Send a claimed batch. Checked again at send time, since planning may be hours old: a user who
        opted out or was deactivated is skipped; jobs that closed are left out, and a mail left with no
        job is skipped. A mail that cannot be composed fails alone; it never stops the run."""
        async with self._uow as uow:
            users = await uow.users.get_many({d.user_id for d in batch})
            jobs = await uow.jobs.get_many({m.job_id for d in batch for m in d.matches})
            suppressed = await uow.suppressions.suppressed_among(
                {d.email_address for d in batch} | {u.email for u in users.values()})  # fmt: skip
        now = self._clock.now()
        open_jobs = {job_id: job for job_id, job in jobs.items() if job.is_open_at(now)}
        to_send: list[tuple[Delivery, User]] = []
        skipped: dict[uuid.UUID, str] = {}
        for d in batch:
            user = users.get(d.user_id)
            if user is None or not user.is_active:
                skipped[d.id] = SkipReason.INACTIVE.value
                continue
            if not user.email_opt_in:
                skipped[d.id] = SkipReason.OPTED_OUT.value
                continue
            if normalize_address(user.email) in suppressed or normalize_address(d.email_address) in suppressed:
                skipped[d.id] = SkipReason.SUPPRESSED.value
                continue
            d.matches = [m for m in d.matches if m.job_id in open_jobs]
            if not d.matches:
                skipped[d.id] = SkipReason.NO_NEW_MATCHES.value
                continue
            to_send.append((d, user))
        # Rendering, MIME and DKIM are CPU work (about a second and a half for a batch): off the event loop,
        # which may be the API server's, and still done before anything of the batch is sent.
        mails, errors = await asyncio.to_thread(self._compose_all, to_send, open_jobs, campaign, run.run_date, now)
        errors.update(await self._mailer.send_many(mails))
        subjects = {m.delivery_id: (m.subject, m.message_id) for m in mails}
        temporary = 0
        for d in batch:
            if d.id in skipped:
                d.mark_skipped(skipped[d.id])
                continue
            d.attempts += 1
            error = errors.get(d.id)
            if error is None:
                subject, message_id = subjects[d.id]
                d.mark_sent(now, subject, message_id)
                stats.sent += 1
            elif error.permanent or d.attempts >= self._options.max_attempts:
                d.mark_failed(str(error))
                stats.failed += 1
                stats.failures[str(error)] = stats.failures.get(str(error), 0) + 1
            else:  # stays pending, to be claimed again
                temporary += 1
        async with self._uow as uow:
            await uow.deliveries.save_outcomes(batch)
            await uow.commit()
        if mails and temporary == len(mails):
            raise RelayUnavailable(temporary)

    def _compose_all(
        self, to_send: list[tuple[Delivery, User]], jobs: dict[uuid.UUID, Job], campaign: Campaign, run_date: date,
        now: datetime,
    ) -> tuple[list[OutgoingMail], dict[uuid.UUID, MailDeliveryError | None]]:  # fmt: skip
        mails: list[OutgoingMail] = []
        errors: dict[uuid.UUID, MailDeliveryError | None] = {}
        for d, user in to_send:
            try:
                context = mail_context(d, user, jobs, campaign, run_date, now, self._options)
                mails.append(self._composer.compose(context))
            except Exception as exc:  # a bad address or template fails this mail, not the run
                errors[d.id] = MailDeliveryError(f"cannot compose: {exc}", permanent=True)
        return mails, errors


class RelayUnavailable(Exception):
    """Every mail of a batch failed for a temporary reason: the relay is down. The run stops with the rest
    left pending, instead of spending every delivery's attempts in a few seconds; run it again later."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"the mail relay refused a whole batch for now ({pending} mails left pending); "
                         "run the same command again later to resume")  # fmt: skip

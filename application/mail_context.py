"""What one mail says: the options every mail is made with, and the template context of one delivery (its
jobs, signed click, open, unsubscribe and preference links, Message-ID and envelope sender)."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from application import links
from application.bounce_handling import BouncePolicy
from application.ports import MailContext, MailJob
from application.send_pacing import RetryPolicy, SendRates
from domain.campaign import Campaign
from domain.delivery import Delivery, message_id_for
from domain.job import Job
from domain.user import User


@dataclass(frozen=True)
class SendOptions:
    base_url: str  # the site, for job pages and unsubscribe links
    message_id_domain: str
    signer: links.LinkSigner
    sender_address: str | None = None  # set: each mail's envelope sender is its signed VERP address
    batch_size: int = 200
    claim_timeout: timedelta = timedelta(minutes=5)
    poll_interval: float = 0.5
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rates: SendRates = field(default_factory=SendRates)
    # A delivery found in flight after its sender died: "resend" it (no gap; the relay may get it twice,
    # with one Message-ID) or "hold" it as a retryable failure (never twice; `mail retry-failed` sends it).
    in_doubt: Literal["resend", "hold"] = "resend"
    bounces: BouncePolicy = field(default_factory=BouncePolicy)  # for recipients refused with a 5xx


def job_location(job: Job) -> str:
    if job.nearest_station:
        walk = f" 徒歩{job.walking_minutes}分" if job.walking_minutes is not None else ""
        return f"{job.nearest_station}駅{walk}"
    return f"{job.prefecture}{job.city}"


def mail_context(
    delivery: Delivery, user: User, jobs: dict[uuid.UUID, Job], campaign: Campaign, run_date: date,
    now: datetime, options: SendOptions,
) -> MailContext:  # fmt: skip
    return MailContexts(jobs, campaign, run_date, now, options)(delivery, user)


@dataclass(frozen=True, slots=True)
class _JobCard:
    """What a mail says of a job whoever gets it."""

    job_id: uuid.UUID
    title: str
    company_name: str
    hourly_wage: int
    location: str
    generated: bool


class MailContexts:
    """The mail contexts of a batch (one campaign, run and moment). A job appears in many mails of a batch:
    what its card shows is read from the job once per batch, not once per mail, since every attribute read
    of a mapped entity goes through SQLAlchemy's instrumentation (about 170 reads a mail with ten jobs)."""

    def __init__(self, jobs: dict[uuid.UUID, Job], campaign: Campaign, run_date: date, now: datetime,
                 options: SendOptions) -> None:  # fmt: skip
        self._jobs, self._campaign, self._run_date, self._now = jobs, campaign, run_date, now
        self._options = options
        self._base = options.base_url.rstrip("/")
        self._cards: dict[uuid.UUID, _JobCard] = {}
        self._campaign_name = campaign.name
        self._html_template, self._text_template = campaign.html_template, campaign.text_template

    def _card(self, job_id: uuid.UUID) -> _JobCard:
        card = self._cards.get(job_id)
        if card is None:
            job = self._jobs[job_id]
            card = _JobCard(job.id, job.title, job.company_name, job.hourly_wage, job_location(job), job.generated)
            self._cards[job_id] = card
        return card

    def __call__(self, delivery: Delivery, user: User) -> MailContext:
        base, signer, delivery_id = self._base, self._options.signer, delivery.id
        items = []
        for match in sorted(delivery.matches, key=lambda m: m.match_rank):
            card = self._card(match.job_id)
            items.append(MailJob(
                card.title, card.company_name, card.hourly_wage, card.location, match.commute_minutes,
                tuple(match.reasons), links.job_click_url(base, signer, delivery_id, card.job_id), card.generated,
            ))  # fmt: skip
        user_id = user.id
        sender_address = self._options.sender_address
        return MailContext(
            delivery_id=delivery_id,
            message_id=message_id_for(delivery.run_id, delivery.user_id, self._options.message_id_domain),
            recipient_email=user.email,
            recipient_name=user.full_name,
            campaign_name=self._campaign_name,
            run_date=self._run_date,
            sent_at=self._now,
            jobs=tuple(items),
            unsubscribe_url=links.unsubscribe_url(base, signer, user_id, delivery_id),
            preferences_url=links.preferences_url(base, signer, user_id, delivery_id),
            subject_template=self._campaign.subject_for(delivery.variant_id),
            html_template=self._html_template,
            text_template=self._text_template,
            extra={"open_pixel_url": links.open_pixel_url(base, signer, delivery_id)},
            return_path=links.verp_address(signer, sender_address, delivery_id) if sender_address else None,
            template="instant_alert" if self._campaign.is_instant_alerts else "daily",
        )

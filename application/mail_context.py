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
        template="instant_alert" if campaign.is_instant_alerts else "daily",
    )

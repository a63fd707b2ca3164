"""The mail a campaign would send a user today: subject, text and HTML rendered by the real composer.

Rules:
- Nothing is stored and nothing is sent: no run, delivery, score row or action is written.
- When today's run (JST) already planned this user's delivery, the preview shows that delivery's jobs (what
  the user got or is about to get); otherwise the jobs are chosen as the run would choose them now: the
  campaign's weights (the user's A/B variant's, if any), caps and resend window, at the run's scoring moment.
- A user the run would skip (inactive, opted out, no home, nothing new) gets a preview with the reason
  and no mail.
- Links in a preview are signed with a throwaway key: they look like the real ones, but clicking the
  unsubscribe link of a preview unsubscribes no one.
"""

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import date

from application import links
from application.mail_context import SendOptions, mail_context
from application.mail_planning import mailed_recently, plan_delivery, rank_request
from application.matching import IndustryNamer, load_matching_state
from application.ports import Clock, MailComposer, ReferenceData, RenderedMail, UnitOfWork
from application.use_cases.run_daily_mail import scoring_moment_for
from domain.campaign import Campaign, CampaignRun
from domain.delivery import Delivery, DeliveryStatus, MatchedJob, SkipReason
from domain.errors import NotFound
from domain.job import Job
from domain.jst import jst_date
from domain.user import User


@dataclass(frozen=True)
class PreviewQuery:
    campaign_id: uuid.UUID
    user_id: uuid.UUID


@dataclass(frozen=True)
class MailPreview:
    campaign: Campaign
    user_id: uuid.UUID
    run_date: date
    from_run: bool  # True: today's run had planned this delivery already
    skip_reason: str | None  # set when the user would get no mail
    mail: RenderedMail | None
    matches: list[MatchedJob]


class PreviewCampaignMail:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, composer: MailComposer, clock: Clock,
        options: SendOptions,
    ) -> None:  # fmt: skip
        self._uow, self._reference, self._composer, self._clock = uow, reference, composer, clock
        self._options = replace(options, signer=links.LinkSigner(secrets.token_bytes(32)))

    async def __call__(self, query: PreviewQuery) -> MailPreview:
        now = self._clock.now()
        today = jst_date(now)
        async with self._uow as uow:
            campaign = await uow.campaigns.get(query.campaign_id)
            if campaign is None:
                raise NotFound("campaign", query.campaign_id)
            user = await uow.users.get(query.user_id)
            if user is None:
                raise NotFound("user", query.user_id)
            run = await uow.deliveries.find_run(campaign.id, today)
            planned = await uow.deliveries.for_user(run.id, user.id) if run is not None else None
            if planned is not None:
                jobs = await uow.jobs.get_many({m.job_id for m in planned.matches})
                planned.matches = [m for m in planned.matches if m.job_id in jobs]  # a job since deleted
                return self._preview(campaign, user, today, planned, jobs, from_run=True)
            probe = run or CampaignRun(campaign.id, today, started_at=now)
            moment = scoring_moment_for(campaign, probe, now)
            variant = campaign.variant_of(user.id)
            variant_id = variant.id if variant else None
            state = await load_matching_state(uow, self._reference, moment, campaign.weights_of(variant_id))
            mailed = await mailed_recently(uow, [user], campaign, probe, moment)
        ranked = state.scorer.rank_chunk([user], rank_request(campaign), mailed).ranked[0]
        plan = plan_delivery(probe, user, ranked, state, IndustryNamer(self._reference), variant_id)
        return self._preview(campaign, user, today, plan.as_delivery(now), state.jobs, from_run=False)

    def _preview(
        self, campaign: Campaign, user: User, today: date, delivery: Delivery, jobs: dict[uuid.UUID, Job],
        *, from_run: bool,
    ) -> MailPreview:  # fmt: skip
        reason = _skip_reason(user, delivery)
        mail = None
        if reason is None:
            now = self._clock.now()
            mail = self._composer.render(mail_context(delivery, user, jobs, campaign, today, now, self._options))
        return MailPreview(campaign, user.id, today, from_run, reason, mail, list(delivery.matches))


def _skip_reason(user: User, delivery: Delivery) -> str | None:
    if not user.is_active:
        return SkipReason.INACTIVE.value
    if not user.email_opt_in:
        return SkipReason.OPTED_OUT.value
    if delivery.status is DeliveryStatus.SKIPPED:
        return delivery.reason or SkipReason.NO_NEW_MATCHES.value
    if not delivery.matches:
        return SkipReason.NO_NEW_MATCHES.value
    return None

"""Change a campaign's settings; fields left out (None) stay as they are.

Rules: the same ranges as creating one (see create_campaign); the campaign must exist. A list of variants
replaces the campaign's (see application.campaign_variants; an empty list removes them all); a user's
variant can change when the shares do. A run already
planned keeps what it planned; the new settings apply to what is planned or sent after the change.
Audited as `campaign.edit` with each changed field's old and new value; an edit that changes nothing is
not recorded.
"""

import uuid
from dataclasses import dataclass

from application.auditing import Actor, AuditTarget, audited
from application.campaign_variants import VariantInput, apply_variants, check_variants, describe_variants
from application.ports import Clock, MailComposer, UnitOfWork
from application.use_cases.create_campaign import check_setting, check_weights
from domain.campaign import Campaign
from domain.errors import NotFound


@dataclass(frozen=True)
class EditCampaignCommand:
    campaign_id: uuid.UUID
    actor: Actor
    jobs_per_mail: int | None = None
    per_company_cap: int | None = None
    resend_window_days: int | None = None
    send_hour_jst: int | None = None
    weights: tuple[float, float, float] | None = None
    variants: tuple[VariantInput, ...] | None = None


@dataclass(frozen=True)
class CampaignEdited:
    campaign: Campaign
    changes: dict[str, list[object]]  # field -> [before, after]


def _describe(command: EditCampaignCommand, result: CampaignEdited) -> AuditTarget | None:
    if not result.changes:
        return None
    return AuditTarget("campaign", str(result.campaign.id), {"changes": result.changes})


@audited("campaign.edit", _describe)
class EditCampaign:
    def __init__(self, uow: UnitOfWork, clock: Clock, templates: MailComposer) -> None:
        self._uow = uow
        self._clock = clock
        self._templates = templates

    async def __call__(self, command: EditCampaignCommand) -> CampaignEdited:
        wanted: dict[str, object] = {}
        for field in ("jobs_per_mail", "per_company_cap", "resend_window_days", "send_hour_jst"):
            value = getattr(command, field)
            if value is not None:
                wanted[field] = check_setting(field, value)
        if command.weights is not None:
            weights = check_weights(command.weights)
            wanted |= {"weight_basic": weights.basic, "weight_seo": weights.seo,
                       "weight_personalized": weights.personalized}  # fmt: skip
        variants = None if command.variants is None else check_variants(command.variants, self._templates)
        async with self._uow as uow:
            campaign = await uow.campaigns.get(command.campaign_id)
            if campaign is None:
                raise NotFound("campaign", command.campaign_id)
            changes: dict[str, list[object]] = {}
            for field, value in wanted.items():
                before = getattr(campaign, field)
                if before != value:
                    changes[field] = [before, value]
                    setattr(campaign, field, value)
            if variants is not None:
                were = describe_variants(campaign)
                apply_variants(campaign, variants)
                are = describe_variants(campaign)
                if were != are:
                    changes["variants"] = [were, are]
            if changes:
                await uow.commit()
        return CampaignEdited(campaign, changes)

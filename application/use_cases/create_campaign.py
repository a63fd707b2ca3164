"""Create a campaign (the daily mail's settings).

Rules: the name is unique and not blank, and not the instant-alert system campaign's (`instant_alerts`, NFKC
and case ignored: see domain.alerts.is_reserved_campaign_name); 1 to 50 jobs per mail; a per-company cap of
1 to 50; a resend window of 0 to 365 days; a send hour in JST from 0 to 23; weights finite, non-negative,
basic + seo > 0; A/B variants by the rules of application.campaign_variants (none: one audience). Audited as
`campaign.create`.
"""

import uuid
from dataclasses import asdict, dataclass

from application.auditing import COMMAND_LINE, Actor, AuditTarget, audited
from application.campaign_variants import VariantInput, apply_variants, check_variants, describe_variants
from application.ports import Clock, MailComposer, UnitOfWork
from domain.alerts import is_reserved_campaign_name
from domain.campaign import Campaign, ScoreWeights
from domain.errors import InvalidInput

SETTING_RANGES = {
    "jobs_per_mail": (1, 50),
    "per_company_cap": (1, 50),
    "resend_window_days": (0, 365),
    "send_hour_jst": (0, 23),
}


def check_setting(field: str, value: int) -> int:
    low, high = SETTING_RANGES[field]
    if not low <= value <= high:
        raise InvalidInput(field, f"must be between {low} and {high}, got {value}")
    return value


def check_name_not_reserved(name: str) -> str:
    if is_reserved_campaign_name(name):
        raise InvalidInput("name", f"{name!r} is reserved for the instant-alert system campaign")
    return name


def check_weights(weights: tuple[float, float, float]) -> ScoreWeights:
    try:
        return ScoreWeights(*weights)
    except ValueError as exc:
        raise InvalidInput("weights", str(exc)) from None


@dataclass(frozen=True)
class CreateCampaignCommand:
    name: str
    jobs_per_mail: int = 10
    per_company_cap: int = 2
    resend_window_days: int = 14
    send_hour_jst: int = 8
    weights: tuple[float, float, float] = (0.5, 0.2, 0.3)
    actor: Actor = COMMAND_LINE
    variants: tuple[VariantInput, ...] = ()


def _describe(command: CreateCampaignCommand, campaign: Campaign) -> AuditTarget:
    settings = {k: v for k, v in asdict(command).items() if k not in ("actor", "weights", "variants")}
    return AuditTarget("campaign", str(campaign.id), {**settings, "name": campaign.name,
                                                      "weights": list(command.weights),
                                                      "variants": describe_variants(campaign)})  # fmt: skip


@audited("campaign.create", _describe)
class CreateCampaign:
    def __init__(self, uow: UnitOfWork, clock: Clock, templates: MailComposer) -> None:
        self._uow = uow
        self._clock = clock
        self._templates = templates

    async def __call__(self, command: CreateCampaignCommand) -> Campaign:
        name = command.name.strip()
        if not name:
            raise InvalidInput("name", "must not be blank")
        check_name_not_reserved(name)
        for field in SETTING_RANGES:
            check_setting(field, getattr(command, field))
        weights = check_weights(command.weights)
        variants = check_variants(command.variants, self._templates)
        async with self._uow as uow:
            if await uow.campaigns.by_name(name) is not None:
                raise InvalidInput("name", f"a campaign named {name!r} exists already")
            campaign = Campaign(
                id=uuid.uuid4(), name=name, jobs_per_mail=command.jobs_per_mail,
                per_company_cap=command.per_company_cap, resend_window_days=command.resend_window_days,
                send_hour_jst=command.send_hour_jst, weight_basic=weights.basic, weight_seo=weights.seo,
                weight_personalized=weights.personalized, created_at=self._clock.now(),
            )  # fmt: skip
            apply_variants(campaign, variants)
            await uow.campaigns.add(campaign)
            await uow.commit()
        return campaign

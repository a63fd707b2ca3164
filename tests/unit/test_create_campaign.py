"""Creating a campaign: its rules, each with the field it names."""

from datetime import UTC, datetime

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from application.use_cases.create_campaign import CreateCampaign, CreateCampaignCommand
from domain.errors import InvalidInput

CLOCK = FixedClock(datetime(2026, 12, 3, tzinfo=UTC))


async def test_a_campaign_is_created_once_with_its_settings() -> None:
    uow = InMemoryUnitOfWork()
    create = CreateCampaign(uow, CLOCK, JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score"))
    made = await create(CreateCampaignCommand(" daily ", jobs_per_mail=5, send_hour_jst=7, weights=(0.6, 0.4, 0.0)))
    async with uow:
        stored = await uow.campaigns.by_name("daily")
    assert stored is not None
    assert (stored.id, stored.jobs_per_mail, stored.send_hour_jst) == (made.id, 5, 7)
    assert (stored.weight_basic, stored.weight_seo, stored.weight_personalized) == (0.6, 0.4, 0.0)
    with pytest.raises(InvalidInput) as exists:
        await create(CreateCampaignCommand("daily"))
    assert exists.value.field == "name"


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (CreateCampaignCommand(""), "name"),
        (CreateCampaignCommand("a", jobs_per_mail=0), "jobs_per_mail"),
        (CreateCampaignCommand("a", per_company_cap=0), "per_company_cap"),
        (CreateCampaignCommand("a", resend_window_days=-1), "resend_window_days"),
        (CreateCampaignCommand("a", send_hour_jst=24), "send_hour_jst"),
        (CreateCampaignCommand("a", weights=(0.0, 0.0, 1.0)), "weights"),
        (CreateCampaignCommand("a", weights=(float("nan"), 0.2, 0.3)), "weights"),
    ],
)
async def test_bad_settings_name_the_field(command: CreateCampaignCommand, field: str) -> None:
    uow = InMemoryUnitOfWork()
    with pytest.raises(InvalidInput) as bad:
        await CreateCampaign(uow, CLOCK, JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score"))(command)
    assert bad.value.field == field
    async with uow:
        assert await uow.campaigns.by_name("a") is None


@pytest.mark.parametrize(
    "name",
    ["instant_alerts", " INSTANT_ALERTS ", "Instant_Alerts", "ｉｎｓｔａｎｔ＿ａｌｅｒｔｓ"]
)
async def test_the_instant_alert_system_campaigns_name_is_reserved(name: str) -> None:
    # The instant-alert mail finds its campaign by this name: an admin campaign of it would be taken for it.
    uow = InMemoryUnitOfWork()
    with pytest.raises(InvalidInput, match="reserved") as reserved:
        await CreateCampaign(uow, CLOCK, JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score"))(
            CreateCampaignCommand(name)
        )
    assert reserved.value.field == "name"
    async with uow:
        assert await uow.campaigns.list_all() == []

"""One campaign with its latest runs (newest JST date first). Rules: an unknown id is NotFound."""

import uuid
from dataclasses import dataclass

from application.ports import UnitOfWork
from domain.campaign import Campaign, CampaignRun
from domain.errors import NotFound

RECENT_RUNS = 30


@dataclass(frozen=True)
class CampaignDetails:
    campaign: Campaign
    runs: list[CampaignRun]


class ShowCampaign:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, campaign_id: uuid.UUID) -> CampaignDetails:
        async with self._uow as uow:
            campaign = await uow.campaigns.get(campaign_id)
            if campaign is None:
                raise NotFound("campaign", campaign_id)
            return CampaignDetails(campaign, await uow.deliveries.runs_of(campaign_id, RECENT_RUNS))

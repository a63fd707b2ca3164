"""A campaign's deliveries counted by outcome, with rates over mails sent: for each run and in total.

Rules: see domain.analytics for what each figure counts (unique per delivery; rates over sent). The
counting is done by the storage (AnalyticsQueries). An unknown campaign is NotFound.
"""

import uuid
from dataclasses import dataclass

from application.ports import RunCounts, UnitOfWork
from domain.analytics import DeliveryCounts
from domain.campaign import Campaign
from domain.errors import NotFound


@dataclass(frozen=True)
class CampaignAnalytics:
    campaign: Campaign
    total: DeliveryCounts
    runs: list[RunCounts]  # newest first


class ShowCampaignAnalytics:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, campaign_id: uuid.UUID) -> CampaignAnalytics:
        async with self._uow as uow:
            campaign = await uow.campaigns.get(campaign_id)
            if campaign is None:
                raise NotFound("campaign", campaign_id)
            runs = await uow.analytics.campaign_runs(campaign_id)
        return CampaignAnalytics(campaign, sum((r.counts for r in runs), DeliveryCounts()), runs)

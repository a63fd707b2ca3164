"""A campaign's deliveries counted by outcome, with rates over mails sent: for each run and in total.

Rules: see domain.analytics for what each figure counts (unique per delivery; rates over sent). The
counting is done by the storage (AnalyticsQueries). An unknown campaign is NotFound. A campaign with A/B
variants also has each variant's figures, per run and in total, in the variants' order (retired ones
after, while their mails are counted); a variant with no delivery yet shows zeros.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from application.ports import RunCounts, UnitOfWork
from domain.analytics import DeliveryCounts
from domain.campaign import Campaign, CampaignVariant
from domain.errors import NotFound


@dataclass(frozen=True)
class VariantFigures:
    variant: CampaignVariant
    counts: DeliveryCounts


@dataclass(frozen=True)
class CampaignAnalytics:
    campaign: Campaign
    total: DeliveryCounts
    runs: list[RunCounts]  # newest first
    variants: list[VariantFigures] = field(default_factory=list)  # over every run
    run_variants: dict[uuid.UUID, list[VariantFigures]] = field(default_factory=dict)  # by run id


class ShowCampaignAnalytics:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, campaign_id: uuid.UUID) -> CampaignAnalytics:
        async with self._uow as uow:
            campaign = await uow.campaigns.get(campaign_id)
            if campaign is None:
                raise NotFound("campaign", campaign_id)
            runs = await uow.analytics.campaign_runs(campaign_id)
            split = await uow.analytics.campaign_variant_runs(campaign_id) if campaign.variants else []
        by_run: dict[uuid.UUID, dict[uuid.UUID, DeliveryCounts]] = defaultdict(dict)
        totals: dict[uuid.UUID, DeliveryCounts] = defaultdict(DeliveryCounts)
        for row in split:
            by_run[row.run_id][row.variant_id] = row.counts
            totals[row.variant_id] += row.counts
        shown = [v for v in _in_order(campaign) if not v.retired or v.id in totals]
        return CampaignAnalytics(
            campaign, sum((r.counts for r in runs), DeliveryCounts()), runs,
            [VariantFigures(v, totals[v.id]) for v in shown],
            {r.run_id: [VariantFigures(v, by_run[r.run_id][v.id]) for v in shown if v.id in by_run[r.run_id]]
             for r in runs},
        )  # fmt: skip


def _in_order(campaign: Campaign) -> list[CampaignVariant]:
    return sorted(campaign.variants, key=lambda v: (v.retired, v.position))

"""A run scores at the campaign's hour on its own date, never earlier: the same moment in every process."""

import uuid
from datetime import UTC, date, datetime

from application.use_cases.run_daily_mail import scoring_moment_for
from domain.campaign import Campaign, CampaignRun
from domain.jst import at_jst

CAMPAIGN = Campaign(id=uuid.uuid4(), name="daily", send_hour_jst=8)


def test_a_run_prepared_the_evening_before_scores_at_its_own_morning() -> None:
    evening_before = datetime(2025, 10, 2, 12, 0, tzinfo=UTC)  # 21:00 JST on 10/02
    run = CampaignRun(CAMPAIGN.id, date(2025, 10, 3), started_at=evening_before)
    moment = scoring_moment_for(CAMPAIGN, run, evening_before)
    assert moment == at_jst(date(2025, 10, 3), 8)  # Tokyo's new minimum wage is in force by then


def test_a_run_started_late_or_resumed_keeps_its_first_start() -> None:
    first_start = datetime(2025, 10, 3, 3, 30, tzinfo=UTC)  # 12:30 JST, after the 08:00 send hour
    run = CampaignRun(CAMPAIGN.id, date(2025, 10, 3), started_at=first_start)
    resumed_at = datetime(2025, 10, 3, 9, 0, tzinfo=UTC)
    assert scoring_moment_for(CAMPAIGN, run, resumed_at) == first_start

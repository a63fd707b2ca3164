"""Run a campaign's daily mail now, for today's JST date, in the background.

Rules: the campaign must exist. The run is (campaign, today in JST): it is created if missing, and a
second call returns the same run; while this process works on it nothing more is started, and a run left
unfinished (a crash, a relay that was down) is resumed. A finished run is returned as it is. The run
itself sends each user at most one mail however often it is started (see run_daily_mail). Audited as
`campaign.run` (by OpenCampaignRun, whose transaction holds the run and its entry; the background work is
launched only after that commit, so it never looks for a run that is not stored yet).
"""

import uuid
from dataclasses import dataclass

from application.auditing import Actor, AuditTarget, audited, audited_through
from application.ports import Clock, RunLauncher, UnitOfWork
from domain.campaign import Campaign, CampaignRun, RunStatus
from domain.errors import NotFound
from domain.jst import jst_date


@dataclass(frozen=True)
class StartCampaignRunCommand:
    campaign_id: uuid.UUID
    actor: Actor


@dataclass(frozen=True)
class RunStarted:
    run: CampaignRun
    started_now: bool  # False: already running here, or finished


@dataclass(frozen=True)
class RunOpened:
    campaign: Campaign
    run: CampaignRun


def _describe(command: StartCampaignRunCommand, result: RunOpened) -> AuditTarget:
    return AuditTarget("campaign", str(command.campaign_id), {
        "run_id": str(result.run.id), "run_date": result.run.run_date.isoformat(),
        "status": result.run.status.value,
    })  # fmt: skip


@audited("campaign.run", _describe)
class OpenCampaignRun:
    """The recorded half of starting a run: today's run of the campaign, created if missing."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: StartCampaignRunCommand) -> RunOpened:
        now = self._clock.now()
        async with self._uow as uow:
            campaign = await uow.campaigns.get(command.campaign_id)
            if campaign is None:
                raise NotFound("campaign", command.campaign_id)
            campaign.check_can_run()
            run = await uow.deliveries.get_or_create_run(campaign.id, jst_date(now), now)
            await uow.commit()
        return RunOpened(campaign, run)


@audited_through(OpenCampaignRun)
class StartCampaignRun:
    def __init__(self, uow: UnitOfWork, clock: Clock, launcher: RunLauncher) -> None:
        self._open = OpenCampaignRun(uow, clock)
        self._launcher = launcher

    async def __call__(self, command: StartCampaignRunCommand) -> RunStarted:
        opened = await self._open(command)
        run = opened.run
        if run.status is RunStatus.FINISHED:
            return RunStarted(run, started_now=False)
        return RunStarted(run, self._launcher.launch(opened.campaign.name, run.run_date, run.id))

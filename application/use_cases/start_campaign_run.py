"""Run a campaign's daily mail now, for today's JST date, in the background.

Rules: the campaign must exist. The run is (campaign, today in JST): it is created if missing, and a
second call returns the same run; while this process works on it nothing more is started, and a run left
unfinished (a crash, a relay that was down) is resumed. A finished run is returned as it is. The run
itself sends each user at most one mail however often it is started (see run_daily_mail). Audited as
`campaign.run`.
"""

import uuid
from dataclasses import dataclass

from application.auditing import Actor, AuditTarget, audited
from application.ports import Clock, RunLauncher, UnitOfWork
from domain.campaign import CampaignRun, RunStatus
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


def _describe(command: StartCampaignRunCommand, result: RunStarted) -> AuditTarget:
    return AuditTarget("campaign", str(command.campaign_id), {
        "run_id": str(result.run.id), "run_date": result.run.run_date.isoformat(),
        "started_now": result.started_now, "status": result.run.status.value,
    })  # fmt: skip


@audited("campaign.run", _describe)
class StartCampaignRun:
    def __init__(self, uow: UnitOfWork, clock: Clock, launcher: RunLauncher) -> None:
        self._uow = uow
        self._clock = clock
        self._launcher = launcher

    async def __call__(self, command: StartCampaignRunCommand) -> RunStarted:
        now = self._clock.now()
        async with self._uow as uow:
            campaign = await uow.campaigns.get(command.campaign_id)
            if campaign is None:
                raise NotFound("campaign", command.campaign_id)
            run = await uow.deliveries.get_or_create_run(campaign.id, jst_date(now), now)
            await uow.commit()
        if run.status is RunStatus.FINISHED:
            return RunStarted(run, started_now=False)
        return RunStarted(run, self._launcher.launch(campaign.name, run.run_date, run.id))

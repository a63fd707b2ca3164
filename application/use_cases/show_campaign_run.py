"""One run of a campaign: its status, its deliveries counted by status and skip/failure reason, and what
this process's background work on it says (running, or the error that stopped it).

Rules: the run must belong to the campaign (else NotFound, so run ids cannot be probed across campaigns).
"""

import uuid
from dataclasses import dataclass

from application.ports import LaunchState, RunLauncher, UnitOfWork
from domain.campaign import CampaignRun
from domain.errors import NotFound


@dataclass(frozen=True)
class RunReport:
    run: CampaignRun
    status_counts: dict[str, int]
    reason_counts: dict[str, int]
    background: LaunchState | None


class ShowCampaignRun:
    def __init__(self, uow: UnitOfWork, launcher: RunLauncher) -> None:
        self._uow = uow
        self._launcher = launcher

    async def __call__(self, campaign_id: uuid.UUID, run_id: uuid.UUID) -> RunReport:
        async with self._uow as uow:
            run = await uow.deliveries.get_run(run_id)
            if run is None or run.campaign_id != campaign_id:
                raise NotFound("run", run_id)
            statuses = await uow.deliveries.status_counts(run.id)
            reasons = await uow.deliveries.reason_counts(run.id)
        return RunReport(run, statuses, reasons, self._launcher.state(run.id))

"""Admin routes (`/api/v1/admin`): the permission ping and the progress of daily runs."""

import uuid

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from application.use_cases.show_run_progress import ShowRunProgress
from entrypoints.http.auth import Principal, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import PingOut, RunProgressOut


class AdminController(Controller):
    path = "/admin"
    tags = ("admin",)

    @get(
        "/ping",
        summary="Answers when the caller may read analytics (admin and above)",
        responses=problems(*AUTHENTICATED),
        **needs("read:analytics", api_key=True),
    )
    async def ping(self, principal: NamedDependency[Principal]) -> PingOut:
        return PingOut(pong=True, role=principal.caller.role.value if principal.caller else "partner")

    @get(
        "/runs/{run_id:uuid}",
        summary="A daily run's progress: shards done; mails sent, skipped, failed and still pending",
        responses=problems(*AUTHENTICATED, 404),
        **needs("read:analytics"),
    )
    async def run_progress(self, run_id: FromPath[uuid.UUID], use_case: FromDishka[ShowRunProgress]) -> RunProgressOut:
        p = await use_case(run_id)
        return RunProgressOut(
            id=p.run_id, campaign=p.campaign, run_date=p.run_date.isoformat(), status=p.status,
            started_at=p.started_at, finished_at=p.finished_at, shards_total=p.shards_total,
            shards_done=p.shards_done, planned=p.planned, pending=p.pending, sent=p.sent, skipped=p.skipped,
            failed=p.failed, by_status=p.by_status,
        )  # fmt: skip

"""Campaigns for admins (`/api/v1/admin/campaigns`): create, list, show, edit, preview a user's mail, run."""

import uuid
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from application.auditing import Actor
from application.campaign_variants import VariantInput
from application.use_cases.create_campaign import CreateCampaign, CreateCampaignCommand
from application.use_cases.edit_campaign import EditCampaign, EditCampaignCommand
from application.use_cases.list_campaigns import ListCampaigns
from application.use_cases.preview_campaign_mail import PreviewCampaignMail, PreviewQuery
from application.use_cases.show_campaign import ShowCampaign
from application.use_cases.show_campaign_run import ShowCampaignRun
from application.use_cases.start_campaign_run import StartCampaignRun, StartCampaignRunCommand
from domain.campaign import Campaign, CampaignRun, CampaignVariant
from domain.jst import as_jst
from entrypoints.http.admin_schemas import (
    CampaignDetailsOut,
    CampaignEditedOut,
    CampaignIn,
    CampaignListOut,
    CampaignOut,
    CampaignPatch,
    PreviewJobOut,
    PreviewOut,
    RunOut,
    RunStartedOut,
    RunStatusOut,
    VariantIn,
    VariantOut,
    WeightsBody,
)
from entrypoints.http.auth import Caller, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems

MANAGE = "manage:system"
CAMPAIGNS_PATH = "/api/v1/admin/campaigns"


def campaign_out(c: Campaign) -> CampaignOut:
    return CampaignOut(
        id=c.id, name=c.name, template_type=c.template_type, jobs_per_mail=c.jobs_per_mail,
        per_company_cap=c.per_company_cap, resend_window_days=c.resend_window_days, send_hour_jst=c.send_hour_jst,
        weights=WeightsBody(basic=c.weight_basic, seo=c.weight_seo, personalized=c.weight_personalized),
        is_active=c.is_active, created_at=as_jst(c.created_at),
        variants=[variant_out(v) for v in c.live_variants],
    )  # fmt: skip


def variant_out(v: CampaignVariant) -> VariantOut:
    w = v.weights
    weights = None if w is None else WeightsBody(basic=w.basic, seo=w.seo, personalized=w.personalized)
    return VariantOut(id=v.id, name=v.name, share=v.share, weights=weights, subject=v.subject_template)


def _variants(body: list[VariantIn]) -> tuple[VariantInput, ...]:
    return tuple(
        VariantInput(v.name, v.share, None if v.weights is None else _weights(v.weights), v.subject) for v in body
    )


def run_out(run: CampaignRun) -> RunOut:
    return RunOut(id=run.id, run_date=run.run_date, status=run.status.value, started_at=as_jst(run.started_at),
                  finished_at=as_jst(run.finished_at))  # fmt: skip


def _weights(body: WeightsBody) -> tuple[float, float, float]:
    return (body.basic, body.seo, body.personalized)


class CampaignController(Controller):
    path = "/admin/campaigns"
    tags = ("admin: campaigns",)

    @post("/", status_code=HTTP_201_CREATED, summary="Create a campaign (audited)",
          responses=problems(*AUTHENTICATED, 422), **needs(MANAGE))  # fmt: skip
    async def create(
        self, caller: NamedDependency[Caller], data: JSONBody[CampaignIn], use_case: FromDishka[CreateCampaign]
    ) -> CampaignOut:
        command = CreateCampaignCommand(
            data.name, data.jobs_per_mail, data.per_company_cap, data.resend_window_days, data.send_hour_jst,
            _weights(data.weights), actor=Actor.user(caller.user_id), variants=_variants(data.variants),
        )  # fmt: skip
        return campaign_out(await use_case(command))

    @get("/", summary="Every campaign with its settings", responses=problems(*AUTHENTICATED), **needs(MANAGE))
    async def list(self, use_case: FromDishka[ListCampaigns]) -> CampaignListOut:
        return CampaignListOut(items=[campaign_out(c) for c in await use_case()])

    @get("/{campaign_id:uuid}", summary="A campaign and its latest runs",
         responses=problems(*AUTHENTICATED, 404), **needs(MANAGE))  # fmt: skip
    async def show(self, campaign_id: FromPath[uuid.UUID], use_case: FromDishka[ShowCampaign]) -> CampaignDetailsOut:
        details = await use_case(campaign_id)
        return CampaignDetailsOut(campaign=campaign_out(details.campaign), runs=[run_out(r) for r in details.runs])

    @patch("/{campaign_id:uuid}", summary="Change weights, jobs per mail, per-company cap, resend window, send "
           "hour or A/B variants (audited)", responses=problems(*AUTHENTICATED, 404, 422), **needs(MANAGE))  # fmt: skip
    async def edit(
        self, caller: NamedDependency[Caller], campaign_id: FromPath[uuid.UUID], data: JSONBody[CampaignPatch],
        use_case: FromDishka[EditCampaign],
    ) -> CampaignEditedOut:  # fmt: skip
        command = EditCampaignCommand(
            campaign_id, Actor.user(caller.user_id), data.jobs_per_mail, data.per_company_cap,
            data.resend_window_days, data.send_hour_jst, None if data.weights is None else _weights(data.weights),
            None if data.variants is None else _variants(data.variants),
        )  # fmt: skip
        result = await use_case(command)
        return CampaignEditedOut(campaign=campaign_out(result.campaign), changed=sorted(result.changes))

    @get("/{campaign_id:uuid}/preview", summary="The mail a user would get today (rendered; nothing stored or "
         "sent)", responses=problems(*AUTHENTICATED, 404), **needs("read:all_users"))  # fmt: skip
    async def preview(
        self, campaign_id: FromPath[uuid.UUID], use_case: FromDishka[PreviewCampaignMail],
        user_id: Annotated[uuid.UUID, QueryParameter(description="the user whose mail to show")],
    ) -> PreviewOut:  # fmt: skip
        result = await use_case(PreviewQuery(campaign_id, user_id))
        mail = result.mail
        jobs = [PreviewJobOut(job_id=m.job_id, rank=m.match_rank, total=round(m.total_score, 2), reasons=m.reasons)
                for m in sorted(result.matches, key=lambda m: m.match_rank)] if mail else []  # fmt: skip
        return PreviewOut(
            campaign_id=campaign_id, user_id=user_id, run_date=result.run_date, from_run=result.from_run,
            skip_reason=result.skip_reason, subject=mail.subject if mail else None, text=mail.text if mail else None,
            html=mail.html if mail else None, jobs=jobs,
        )  # fmt: skip

    @post("/{campaign_id:uuid}/run", status_code=HTTP_202_ACCEPTED, summary="Run today's (JST) mail now, in the "
          "background; again: the same run (audited)", responses=problems(*AUTHENTICATED, 404),
          **needs(MANAGE))  # fmt: skip
    async def run(
        self, caller: NamedDependency[Caller], campaign_id: FromPath[uuid.UUID],
        use_case: FromDishka[StartCampaignRun],
    ) -> Response[RunStartedOut]:  # fmt: skip
        result = await use_case(StartCampaignRunCommand(campaign_id, Actor.user(caller.user_id)))
        url = f"{CAMPAIGNS_PATH}/{campaign_id}/runs/{result.run.id}"
        body = RunStartedOut(run=run_out(result.run), started_now=result.started_now, status_url=url)
        return Response(body, status_code=HTTP_202_ACCEPTED, headers={"Location": url})

    @get("/{campaign_id:uuid}/runs/{run_id:uuid}", summary="A run's status and its deliveries by status",
         responses=problems(*AUTHENTICATED, 404), **needs(MANAGE))  # fmt: skip
    async def run_status(
        self, campaign_id: FromPath[uuid.UUID], run_id: FromPath[uuid.UUID], use_case: FromDishka[ShowCampaignRun]
    ) -> RunStatusOut:
        report = await use_case(campaign_id, run_id)
        background = report.background
        return RunStatusOut(
            run=run_out(report.run), deliveries=report.status_counts, reasons=report.reason_counts,
            running_here=background.running if background else False,
            error=background.error if background else None,
        )  # fmt: skip

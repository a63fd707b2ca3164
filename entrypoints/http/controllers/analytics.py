"""Admin analytics and the audit trail (`/api/v1/admin/analytics`, `/api/v1/admin/audit`)."""

import uuid
from datetime import date
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from application.use_cases.list_audit_entries import MAX_PAGE, AuditQuery, ListAuditEntries
from application.use_cases.show_campaign_analytics import ShowCampaignAnalytics, VariantFigures
from application.use_cases.show_daily_activity import DailyActivityQuery, ShowDailyActivity
from domain.analytics import DeliveryCounts
from domain.jst import JST, as_utc
from entrypoints.http.admin_schemas import (
    AuditEntryOut,
    AuditPageOut,
    CampaignAnalyticsOut,
    CountsOut,
    DailyActivityOut,
    DayOut,
    RunAnalyticsOut,
    VariantAnalyticsOut,
)
from entrypoints.http.auth import needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems

JstDate = Annotated[date | None, QueryParameter(name="from", description="first JST date (YYYY-MM-DD)")]


def counts_out(c: DeliveryCounts) -> CountsOut:
    rates = c.rates()
    return CountsOut(
        deliveries=c.deliveries, pending=c.pending, sent=c.sent, skipped=c.skipped, failed=c.failed,
        bounced=c.bounced, opened=c.opened, clicked=c.clicked, unsubscribed=c.unsubscribed,
        bounce_rate=rates["bounced"], open_rate=rates["opened"], click_rate=rates["clicked"],
        unsubscribe_rate=rates["unsubscribed"],
    )  # fmt: skip


def _variants(figures: list[VariantFigures]) -> list[VariantAnalyticsOut]:
    return [VariantAnalyticsOut(variant_id=f.variant.id, name=f.variant.name, retired=f.variant.retired,
                                counts=counts_out(f.counts)) for f in figures]  # fmt: skip


class AnalyticsController(Controller):
    path = "/admin/analytics"
    tags = ("admin: analytics",)

    @get("/campaigns/{campaign_id:uuid}", summary="A campaign's sends, skips, bounces, opens, clicks and "
         "unsubscribes with rates over sent, per run and in total, and per A/B variant",
         responses=problems(*AUTHENTICATED, 404),
         **needs("read:analytics"))  # fmt: skip
    async def campaign(
        self, campaign_id: FromPath[uuid.UUID], use_case: FromDishka[ShowCampaignAnalytics]
    ) -> CampaignAnalyticsOut:
        result = await use_case(campaign_id)
        runs = [RunAnalyticsOut(run_id=r.run_id, run_date=r.run_date, status=r.status, counts=counts_out(r.counts),
                                variants=_variants(result.run_variants.get(r.run_id, [])))
                for r in result.runs]  # fmt: skip
        return CampaignAnalyticsOut(campaign_id=result.campaign.id, name=result.campaign.name,
                                    total=counts_out(result.total), runs=runs,
                                    variants=_variants(result.variants))  # fmt: skip

    @get("/daily", summary="New users, active users, actions and applications per JST day (default: the last "
         "30 days)", responses=problems(*AUTHENTICATED, 422), **needs("read:analytics"))  # fmt: skip
    async def daily(
        self, use_case: FromDishka[ShowDailyActivity], first: JstDate = None,
        last: Annotated[date | None, QueryParameter(name="to", description="last JST date, included")] = None,
    ) -> DailyActivityOut:  # fmt: skip
        result = await use_case(DailyActivityQuery(first, last))
        days = [DayOut(day=d.day, new_users=d.new_users, active_users=d.active_users, actions=d.actions,
                       applications=d.applications) for d in result.days]  # fmt: skip
        return DailyActivityOut(from_=result.first, to=result.last, days=days)


class AuditController(Controller):
    path = "/admin/audit"
    tags = ("admin: audit",)

    @get("/", summary="Who did what, when (JST), newest first; filter by actor, action and JST dates",
         responses=problems(*AUTHENTICATED, 422), **needs("security:audit"))  # fmt: skip
    async def list_entries(
        self, use_case: FromDishka[ListAuditEntries],
        actor: Annotated[str | None, QueryParameter(max_length=200, description="`user:<id>`, a user id, "
                                                    "`cli` or `system`")] = None,
        action: Annotated[str | None, QueryParameter(max_length=100, description="e.g. campaign.edit")] = None,
        first: JstDate = None,
        last: Annotated[date | None, QueryParameter(name="to", description="last JST date, included")] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=1024)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
    ) -> AuditPageOut:  # fmt: skip
        page = await use_case(AuditQuery(actor, action, first, last, cursor, limit))
        items = [
            AuditEntryOut(
                id=e.id, at=as_utc(e.at).astimezone(JST), actor=e.actor, actor_id=e.actor_id, action=e.action,
                target_type=e.target_type, target_id=e.target_id, details=e.details,
            )
            for e in page.entries
        ]
        return AuditPageOut(items=items, next_cursor=page.next_cursor)

"""HTTP DTOs of the admin routes (campaigns, runs, previews). Times a person reads are in JST."""

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from application.use_cases.create_campaign import SETTING_RANGES
from entrypoints.http.schemas import Schema


def _setting(field: str) -> msgspec.Meta:
    low, high = SETTING_RANGES[field]
    return msgspec.Meta(ge=low, le=high)


Weight = Annotated[float, msgspec.Meta(ge=0.0, le=1000.0)]
JobsPerMail = Annotated[int, _setting("jobs_per_mail")]
PerCompanyCap = Annotated[int, _setting("per_company_cap")]
ResendWindowDays = Annotated[int, _setting("resend_window_days")]
SendHourJst = Annotated[int, _setting("send_hour_jst")]
VariantSubject = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, description="a Jinja template of one line",
                      examples=["{{ job_count }}件の新着求人"])
]  # fmt: skip
MAX_VARIANTS = 20


class WeightsBody(Schema):
    """Score weights; the personalized weight moves to the others for a user without history."""

    basic: Weight
    seo: Weight
    personalized: Weight


class VariantIn(Schema):
    """An A/B variant: its share of the audience and what differs (left out: the campaign's)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["B 時給重視"])]
    share: Annotated[int, msgspec.Meta(ge=1, le=100, description="percent of the audience; shares sum to 100")]
    weights: WeightsBody | None = None
    subject: VariantSubject | None = None


class VariantOut(Schema):
    id: uuid.UUID
    name: str
    share: int
    weights: WeightsBody | None  # null: the campaign's
    subject: str | None  # null: the campaign's


class CampaignIn(Schema):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["daily"])]
    jobs_per_mail: JobsPerMail = 10
    per_company_cap: PerCompanyCap = 2
    resend_window_days: ResendWindowDays = 14
    send_hour_jst: SendHourJst = 8
    weights: WeightsBody = WeightsBody(basic=0.5, seo=0.2, personalized=0.3)
    variants: Annotated[list[VariantIn], msgspec.Meta(max_length=MAX_VARIANTS)] = msgspec.field(
        default_factory=list
    )  # A/B variants; none: one audience


class CampaignPatch(Schema):
    """Fields left out (or null) stay as they are."""

    jobs_per_mail: JobsPerMail | None = None
    per_company_cap: PerCompanyCap | None = None
    resend_window_days: ResendWindowDays | None = None
    send_hour_jst: SendHourJst | None = None
    weights: WeightsBody | None = None
    variants: Annotated[list[VariantIn], msgspec.Meta(max_length=MAX_VARIANTS)] | None = None  # [] removes them


class CampaignOut(Schema):
    id: uuid.UUID
    name: str
    template_type: str
    jobs_per_mail: int
    per_company_cap: int
    resend_window_days: int
    send_hour_jst: int
    weights: WeightsBody
    is_active: bool
    created_at: datetime | None  # JST
    variants: list[VariantOut]  # the live A/B variants, in order


class CampaignListOut(Schema):
    items: list[CampaignOut]


class RunOut(Schema):
    id: uuid.UUID
    run_date: date  # JST
    status: str  # planning, sending, finished
    started_at: datetime | None  # JST
    finished_at: datetime | None  # JST


class CampaignDetailsOut(Schema):
    campaign: CampaignOut
    runs: list[RunOut]  # latest first


class CampaignEditedOut(Schema):
    campaign: CampaignOut
    changed: list[str]  # the fields this edit changed


class RunStartedOut(Schema):
    run: RunOut
    started_now: bool  # false: already running here, or finished
    status_url: str


class RunStatusOut(Schema):
    run: RunOut
    deliveries: dict[str, int]  # by status
    reasons: dict[str, int]  # skipped and failed, by reason
    running_here: bool  # this API process is working on it now
    error: str | None  # why this process's last attempt stopped


class PreviewJobOut(Schema):
    job_id: uuid.UUID
    rank: int
    total: float
    reasons: list[str]


class PreviewOut(Schema):
    campaign_id: uuid.UUID
    user_id: uuid.UUID
    run_date: date  # JST
    from_run: bool  # today's run had planned this mail already
    skip_reason: str | None  # set when the user would get no mail
    subject: str | None
    text: str | None
    html: str | None
    jobs: list[PreviewJobOut]


class CountsOut(Schema):
    """Deliveries by outcome (unique per delivery; a click counts as an open) and rates over `sent`."""

    deliveries: int
    pending: int
    sent: int
    skipped: int
    failed: int
    bounced: int
    opened: int
    clicked: int
    unsubscribed: int
    bounce_rate: float
    open_rate: float
    click_rate: float
    unsubscribe_rate: float


class VariantAnalyticsOut(Schema):
    variant_id: uuid.UUID
    name: str
    retired: bool  # taken out of the campaign since
    counts: CountsOut


class RunAnalyticsOut(Schema):
    run_id: uuid.UUID
    run_date: date  # JST
    status: str
    counts: CountsOut
    variants: list[VariantAnalyticsOut]  # the run's A/B variants


class CampaignAnalyticsOut(Schema):
    campaign_id: uuid.UUID
    name: str
    total: CountsOut
    runs: list[RunAnalyticsOut]  # newest first
    variants: list[VariantAnalyticsOut]  # each A/B variant over every run


class DayOut(Schema):
    day: date  # JST
    new_users: int
    active_users: int
    actions: int
    applications: int


class DailyActivityOut(Schema):
    from_: date = msgspec.field(name="from")
    to: date
    days: list[DayOut]


class AuditEntryOut(Schema):
    id: uuid.UUID
    at: datetime  # JST
    actor: str
    actor_id: uuid.UUID | None
    action: str
    target_type: str
    target_id: str | None
    details: dict[str, object]


class AuditPageOut(Schema):
    items: list[AuditEntryOut]
    next_cursor: str | None

"""HTTP DTOs: frozen msgspec Structs, camelCase on the wire, unknown fields refused."""

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, examples=["hanako@example.jp"])]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=1024)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class Schema(msgspec.Struct, rename="camel", forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


class RegisterIn(Schema):
    email: Email
    password: Password
    full_name: Name = ""


class LoginIn(Schema):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class RefreshIn(Schema):
    refresh_token: Token


class SessionOut(Schema):
    access_token: str
    token_type: str
    expires_in: int  # seconds
    refresh_token: str
    refresh_expires_at: datetime


class AddressOut(Schema):
    postal_code: str | None
    prefecture_code: str
    prefecture: str
    municipality_code: str | None
    city: str
    address_line: str | None
    latitude: float | None
    longitude: float | None


Availability = dict[str, list[Annotated[list[Annotated[str, msgspec.Meta(max_length=5)]], msgspec.Meta(
    min_length=2, max_length=2)]]]  # fmt: skip


AlertThreshold = Annotated[float, msgspec.Meta(
    description="the total (0-100) a new job must reach to alert you; null: the site's; left out: kept")]  # fmt: skip
InstantAlerts = Annotated[bool, msgspec.Meta(
    description="also mail a fitting new job at once (at most one such mail a day); left out: kept")]  # fmt: skip


class PreferencesBody(Schema):
    """The wishes are replaced as a whole; the alert settings are left as they are when left out.
    `alertThreshold`: the total score (0-100) a new job must reach to alert the user; null: the site's.
    `instantAlerts`: a fitting new job is also mailed at once (at most one such mail a day)."""

    job_types: Annotated[list[Annotated[str, msgspec.Meta(max_length=50)]], msgspec.Meta(max_length=30)] = []
    industries: Annotated[list[Annotated[str, msgspec.Meta(max_length=10)]], msgspec.Meta(max_length=100)] = []
    max_commute_minutes: Annotated[int, msgspec.Meta(ge=5, le=240)] | None = None
    min_hourly_wage: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None
    availability: Availability = {}
    # The range is checked by the use-case (a 422 naming the field, like the other rules), not here.
    alert_threshold: AlertThreshold | msgspec.UnsetType | None = msgspec.UNSET
    instant_alerts: InstantAlerts | msgspec.UnsetType = msgspec.UNSET


class ProfileOut(Schema):
    id: uuid.UUID
    email: str
    full_name: str
    role: str
    email_opt_in: bool
    address: AddressOut | None
    preferences: PreferencesBody | None


class ProfilePatch(Schema):
    """Fields left out (or null) stay as they are."""

    full_name: Name | None = None
    email_opt_in: bool | None = None


class AddressIn(Schema):
    postal_code: Annotated[str, msgspec.Meta(min_length=7, max_length=10, examples=["160-0022"])]
    address_line: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class MatchOut(Schema):
    job_id: uuid.UUID
    title: str
    company_name: str
    hourly_wage: int
    total: float
    basic: float
    seo: float
    personalized: float
    reasons: list[str]
    distance_km: float | None
    commute_minutes: float | None


class MatchesOut(Schema):
    items: list[MatchOut]
    eligible: int
    next_cursor: str | None = None  # pass as `cursor` for the next page; None: this was the last page


class JobOut(Schema):
    id: uuid.UUID
    title: str
    company_name: str
    job_type: str
    hourly_wage: int
    prefecture: str
    city: str
    nearest_station: str | None
    walking_minutes: int | None
    description: str
    industry: str | None
    prefecture_code: str
    municipality_code: str | None
    station_code: str | None
    posted_at: datetime
    expires_at: datetime | None
    is_active: bool
    generated: bool
    company_id: uuid.UUID | None
    work_days: int  # bit 0 = Monday; 0: not stated
    work_start: str | None  # HH:MM, Japan time
    work_end: str | None
    address: str | None


ShortText = Annotated[str, msgspec.Meta(max_length=200)]


class JobIn(Schema):
    """A new posting. The place: `stationCode`, else `municipalityCode`, else `prefectureCode`."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["カフェのホールスタッフ"])]
    job_type: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["カフェ"])]
    hourly_wage: Annotated[int, msgspec.Meta(ge=1, le=100_000, examples=[1300])]
    description: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    industry: Annotated[str, msgspec.Meta(max_length=8, examples=["7671"])] | None = None
    station_code: Annotated[str, msgspec.Meta(max_length=16, examples=["003700"])] | None = None
    municipality_code: Annotated[str, msgspec.Meta(max_length=8, examples=["13104"])] | None = None
    prefecture_code: Annotated[str, msgspec.Meta(max_length=4, examples=["13"])] | None = None
    walking_minutes: Annotated[int, msgspec.Meta(ge=0, le=120)] | None = None
    work_days: Annotated[str, msgspec.Meta(max_length=50, examples=["mon-fri", "月〜金"])] | None = None
    work_start: Annotated[str, msgspec.Meta(max_length=10, examples=["09:00"])] | None = None
    work_end: Annotated[str, msgspec.Meta(max_length=10, examples=["17:00"])] | None = None
    expires_on: date | None = None  # Japan date; open through that whole day
    address: ShortText | None = None
    company_id: uuid.UUID | None = None  # admins: the company posting; employers: their own (or left out)


class JobPatch(Schema):
    """Fields left out (or null) stay as they are; a place given replaces the whole place."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    job_type: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    hourly_wage: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None
    industry: Annotated[str, msgspec.Meta(max_length=8)] | None = None
    station_code: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    municipality_code: Annotated[str, msgspec.Meta(max_length=8)] | None = None
    prefecture_code: Annotated[str, msgspec.Meta(max_length=4)] | None = None
    walking_minutes: Annotated[int, msgspec.Meta(ge=0, le=120)] | None = None
    work_days: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    work_start: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    work_end: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    expires_on: date | None = None
    address: ShortText | None = None


class JobPageOut(Schema):
    items: list[JobOut]
    next_cursor: str | None  # pass as `cursor` for the next page; None: this was the last page


class ActionIn(Schema):
    kind: Annotated[str, msgspec.Meta(max_length=20, examples=["view", "favorite", "apply", "dismiss"])]


class ActionOut(Schema):
    id: uuid.UUID
    job_id: uuid.UUID
    kind: str
    occurred_at: datetime


class HealthOut(Schema):
    status: str


class PingOut(Schema):
    pong: bool
    role: str


Permission = Annotated[str, msgspec.Meta(max_length=50, examples=["read:jobs"])]


AwareDateTime = Annotated[
    datetime, msgspec.Meta(tz=True, examples=["2027-03-31T23:59:59+09:00"], description="with an offset, e.g. +09:00")
]


class ApiKeyIn(Schema):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["求人サイト連携パートナー"])]
    permissions: Annotated[list[Permission], msgspec.Meta(min_length=1, max_length=30)]
    rate_limit_per_hour: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 1000
    # An offset is required: a time without one is refused (400 naming expiresAt) rather than guessed at, as
    # UTC would be 9 hours off for an admin typing Japan time. Answers give it back in JST.
    expires_at: AwareDateTime | None = None


class ApiKeyOut(Schema):
    id: uuid.UUID
    name: str
    permissions: list[str]
    rate_limit_per_hour: int
    is_active: bool
    created_at: datetime | None  # JST
    expires_at: datetime | None  # JST


class ApiKeyCreatedOut(Schema):
    """The key and its secret: shown this once, never again (only its hash is stored)."""

    key: ApiKeyOut
    secret: str


class BounceWebhookResult(Schema):
    reports: int = msgspec.field(default=0)
    outcomes: dict[str, int] = msgspec.field(default_factory=dict)
class RunProgressOut(Schema):
    id: uuid.UUID
    campaign: str
    run_date: str  # JST date
    status: str  # planning, sending, finished
    started_at: datetime | None
    finished_at: datetime | None
    shards_total: int
    shards_done: int
    planned: int
    pending: int
    sent: int
    skipped: int
    failed: int
    by_status: dict[str, int]

"""Campaigns (the customer's `email_campaigns`) and their runs: one run per campaign and JST date."""

import enum
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.errors import InvalidInput
from domain.text import normalize


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    basic: float = 0.5
    seo: float = 0.2
    personalized: float = 0.3

    def __post_init__(self) -> None:
        for name in ("basic", "seo", "personalized"):
            value = getattr(self, name)
            if not (value >= 0.0 and value < float("inf")):
                raise ValueError(f"weight {name} must be a finite number >= 0, got {value}")
        if self.basic + self.seo <= 0.0:
            raise ValueError("weights basic + seo must be positive")


BUCKETS = 100  # a variant's share is a number of these buckets, in percent


@dataclass(eq=False)
class CampaignVariant:
    """An A/B variant of a campaign: a share of its audience that gets other weights and/or another subject.

    Weights are all three or none (None: the campaign's). A variant taken out of the campaign is kept,
    retired, so the mails it sent still have its name in the figures; naming it again brings it back."""

    id: uuid.UUID
    campaign_id: uuid.UUID
    name: str
    share: int  # percent of the audience
    position: int = 0  # the variants' order; buckets are dealt out in this order
    weight_basic: float | None = None
    weight_seo: float | None = None
    weight_personalized: float | None = None
    subject_template: str | None = None  # None: the campaign's
    retired: bool = False

    @property
    def weights(self) -> ScoreWeights | None:
        if self.weight_basic is None or self.weight_seo is None or self.weight_personalized is None:
            return None
        return ScoreWeights(self.weight_basic, self.weight_seo, self.weight_personalized)


def variant_bucket(campaign_id: uuid.UUID, user_id: uuid.UUID) -> int:
    """The user's bucket (0..99) in the campaign: a hash of both ids, the same in every run and process
    (not Python's hash(), which is salted per process), and independent between campaigns."""
    digest = hashlib.sha256(campaign_id.bytes + user_id.bytes).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


class InvalidVariants(ValueError):
    """A variant list that breaks a rule; `field` names the culprit, e.g. `variants[1].share`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def variant_key(name: str) -> str:
    """What makes two variant names the same: NFKC, surrounding blanks and case ignored."""
    return normalize(name).strip().casefold()


def check_variant_shares(variants: Sequence["CampaignVariant"]) -> None:
    """Raises InvalidVariants naming what is wrong: names not blank and unique (see variant_key), shares of
    1..100 summing to 100 (or no variants at all)."""
    seen: set[str] = set()
    for i, v in enumerate(variants):
        key = variant_key(v.name)
        if not key:
            raise InvalidVariants(f"variants[{i}].name", "a variant's name must not be blank")
        if key in seen:
            raise InvalidVariants(f"variants[{i}].name", f"two variants are named {v.name!r}")
        seen.add(key)
        if not 1 <= v.share <= BUCKETS:
            message = f"variant {v.name!r}: share must be between 1 and {BUCKETS}, got {v.share}"
            raise InvalidVariants(f"variants[{i}].share", message)
    total = sum(v.share for v in variants)
    if variants and total != BUCKETS:
        raise InvalidVariants("variants", f"variant shares must sum to {BUCKETS}, got {total}")


class TemplateType(enum.StrEnum):
    """What a campaign sends: the daily recommendation (run per JST date over the audience), or instant alerts
    (the system campaign whose mails job events send, one run per JST day to hold them; never run)."""

    DAILY_RECOMMENDATION = "daily_recommendation"
    INSTANT_ALERT = "instant_alert"


@dataclass(eq=False)
class Campaign:
    id: uuid.UUID
    name: str
    template_type: str = TemplateType.DAILY_RECOMMENDATION.value  # a TemplateType value
    subject_template: str | None = None  # None: the bundled template
    html_template: str | None = None
    text_template: str | None = None
    weight_basic: float = 0.5
    weight_seo: float = 0.2
    weight_personalized: float = 0.3
    jobs_per_mail: int = 10
    per_company_cap: int = 2
    resend_window_days: int = 14
    send_hour_jst: int = 8
    min_total_score: float = 0.0
    is_active: bool = True
    created_at: datetime | None = None
    variants: list[CampaignVariant] = field(default_factory=list)  # retired ones included

    @property
    def weights(self) -> ScoreWeights:
        return ScoreWeights(self.weight_basic, self.weight_seo, self.weight_personalized)

    @property
    def is_instant_alerts(self) -> bool:
        return self.template_type == TemplateType.INSTANT_ALERT

    def check_can_run(self) -> None:
        """A run plans a mail for the whole audience: never for the instant-alert campaign, whose mails job
        events send (`mail retry-failed` sends again what a run of it left failed or pending)."""
        if self.is_instant_alerts:
            raise InvalidInput("campaign", f"{self.name!r} holds the instant-alert mails, which job events send; "
                               "it cannot be run")  # fmt: skip

    @property
    def live_variants(self) -> list[CampaignVariant]:
        """The variants users are assigned to, in order; empty: one audience, the campaign's settings."""
        return sorted((v for v in self.variants if not v.retired), key=lambda v: v.position)

    def variant_of(self, user_id: uuid.UUID) -> CampaignVariant | None:
        """The user's variant: the same for a user in every run while the variants stay as they are."""
        return VariantSplit(self.live_variants).assign(self.id, user_id)

    def weights_of(self, variant_id: uuid.UUID | None) -> ScoreWeights:
        variant = self._variant(variant_id)
        return (variant.weights if variant else None) or self.weights

    def subject_for(self, variant_id: uuid.UUID | None) -> str | None:
        variant = self._variant(variant_id)
        return (variant.subject_template if variant else None) or self.subject_template

    def _variant(self, variant_id: uuid.UUID | None) -> CampaignVariant | None:
        return next((v for v in self.variants if v.id == variant_id), None) if variant_id else None


class VariantSplit:
    """Buckets dealt to variants in order by share: with shares 30/70, buckets 0-29 and 30-99."""

    def __init__(self, variants: Sequence[CampaignVariant]) -> None:
        self.variants = list(variants)
        self._by_bucket: list[CampaignVariant] = [v for v in self.variants for _ in range(v.share)]
        if self.variants and len(self._by_bucket) != BUCKETS:
            raise ValueError(f"variant shares must sum to {BUCKETS}, got {len(self._by_bucket)}")

    def assign(self, campaign_id: uuid.UUID, user_id: uuid.UUID) -> CampaignVariant | None:
        if not self.variants:
            return None
        return self._by_bucket[variant_bucket(campaign_id, user_id)]


class RunStatus(enum.StrEnum):
    PLANNING = "planning"
    SENDING = "sending"
    FINISHED = "finished"


@dataclass(eq=False)
class CampaignRun:
    """A campaign's run for one JST date. Running the same campaign on the same date resumes it."""

    campaign_id: uuid.UUID
    run_date: date
    status: RunStatus = RunStatus.PLANNING
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    started_at: datetime | None = None
    finished_at: datetime | None = None

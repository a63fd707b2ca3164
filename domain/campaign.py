"""Campaigns (the customer's `email_campaigns`) and their runs: one run per campaign and JST date."""

import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime


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


@dataclass(eq=False)
class Campaign:
    id: uuid.UUID
    name: str
    template_type: str = "daily_recommendation"
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

    @property
    def weights(self) -> ScoreWeights:
        return ScoreWeights(self.weight_basic, self.weight_seo, self.weight_personalized)


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

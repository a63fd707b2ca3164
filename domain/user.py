"""Job seekers: who they are, where they live and what they want."""

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.geo import GeoPoint
from domain.schedule import availability_mask
from domain.text import normalize_all


@dataclass(eq=False)
class Address:
    """The user's home (the customer's `user_addresses`); the point is the postal code's centroid."""

    prefecture_code: str
    prefecture: str
    city: str
    municipality_code: str | None = None
    postal_code: str | None = None
    address_line: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    is_primary: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def point(self) -> GeoPoint | None:
        if self.latitude is None or self.longitude is None:
            return None
        return GeoPoint(self.latitude, self.longitude)


@dataclass(eq=False)
class Preferences:
    """What the user asked for (the customer's `user_preferences`). Empty means 'no wish stated'."""

    job_types: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)  # JSIC codes
    max_commute_minutes: int | None = None
    min_hourly_wage: int | None = None
    availability: dict[str, list[list[str]]] = field(default_factory=dict)  # {"mon": [["09:00","17:00"]]}
    alert_threshold: float | None = None  # the total (0-100) a new job must reach to alert; None: the site's
    instant_alerts: bool = False  # a fitting new job is also mailed at once (within the mail caps)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def normalized_job_types(self) -> tuple[str, ...]:
        return normalize_all(self.job_types)

    @property
    def availability_mask(self) -> int:
        return availability_mask(self.availability)


class MailFrequency(enum.StrEnum):
    """How often a person wants the recommendation mail (no mail at all is `email_opt_in` False)."""

    DAILY = "daily"
    WEEKLY = "weekly"  # at most one in any seven JST days


@dataclass(eq=False)
class User:
    id: uuid.UUID
    email: str
    full_name: str = ""
    external_id: str | None = None
    is_active: bool = True
    email_opt_in: bool = True
    mail_frequency: str = "daily"  # a MailFrequency value: how often the daily mail may come
    role: str = "user"  # a domain.roles.Role value
    password_hash: str | None = field(default=None, repr=False)  # argon2id; None: no password login
    company_id: uuid.UUID | None = None  # an employer's company: the jobs it may manage
    created_at: datetime | None = None
    updated_at: datetime | None = None
    address: Address | None = None
    preferences: Preferences | None = None

    @property
    def home_point(self) -> GeoPoint | None:
        return self.address.point if self.address else None

    @property
    def wishes(self) -> Preferences:
        return self.preferences or Preferences()

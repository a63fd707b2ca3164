"""A part-time job listing, with every field of the customer's `jobs` table."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time

from domain.geo import GeoPoint
from domain.jst import as_utc
from domain.roles import Role
from domain.schedule import shift_mask


@dataclass(eq=False)
class Job:
    id: uuid.UUID
    title: str
    company_name: str
    job_type: str
    hourly_wage: int
    prefecture_code: str
    prefecture: str
    city: str
    posted_at: datetime
    expires_at: datetime | None = None  # end of the stated day in JST, stored in UTC
    external_id: str | None = None
    description: str = ""
    industry: str | None = None  # JSIC rev. 14 code
    municipality_code: str | None = None
    address: str | None = None
    nearest_station: str | None = None
    station_code: str | None = None
    latitude: float | None = None  # the station's point, else the municipality's
    longitude: float | None = None
    walking_minutes: int | None = None
    work_start_time: time | None = None
    work_end_time: time | None = None
    work_days: int = 0  # bit 0 = Monday; 0 = not stated
    requirements: dict[str, object] = field(default_factory=dict)
    benefits: list[str] = field(default_factory=list)
    is_active: bool = True
    view_count: int = 0
    application_count: int = 0
    employer_id: uuid.UUID | None = None  # the account that posted it through the API
    company_id: uuid.UUID | None = None  # the company that owns it (None: imported)
    generated: bool = False  # composed for a demo or test, not a real posting
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def point(self) -> GeoPoint | None:
        if self.latitude is None or self.longitude is None:
            return None
        return GeoPoint(self.latitude, self.longitude)

    @property
    def shift_mask(self) -> int:
        return shift_mask(self.work_days, self.work_start_time, self.work_end_time)

    def managed_by(self, role: Role, company_id: uuid.UUID | None) -> bool:
        """Admins manage every posting; an employer those of its own company."""
        if role.at_least(Role.ADMIN):
            return True
        return role is Role.EMPLOYER and company_id is not None and self.company_id == company_id

    def is_open_at(self, moment: datetime) -> bool:
        return self.is_active and (self.expires_at is None or as_utc(self.expires_at) > as_utc(moment))

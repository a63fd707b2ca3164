"""Replace a user's wishes: job types, industries, longest commute, lowest wage, weekly availability; and
set their alert settings.

Rules: job types are trimmed, de-duplicated, at most 30, each at most 50 characters; industries must be
JSIC rev. 14 codes in the bundled data; commute 5-240 minutes; wage 0-100,000 JPY; availability maps
mon..sun to [start, end] pairs in HH:MM (24:00 allowed as an end). An empty value means "no wish stated".
The alert settings stay as they are unless given (KEEP): the alert threshold is a total score from 0 to 100
(None: the site's threshold), and instant alerts (a fitting new job also mailed at once) are on or off.
"""

import enum
import uuid
from dataclasses import dataclass, field

from application.ports import Clock, MatchInvalidation, ReferenceData, TaskQueue, UnitOfWork
from domain.alerts import check_alert_threshold
from domain.errors import InvalidInput, NotFound
from domain.schedule import WEEKDAYS, parse_hhmm
from domain.user import Preferences, User

MAX_JOB_TYPES = 30
MAX_JOB_TYPE_LENGTH = 50


class Keep(enum.Enum):
    """A setting left as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class SetPreferencesCommand:
    user_id: uuid.UUID
    job_types: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    max_commute_minutes: int | None = None
    min_hourly_wage: int | None = None
    availability: dict[str, list[list[str]]] = field(default_factory=dict)
    alert_threshold: float | Keep | None = KEEP
    instant_alerts: bool | Keep = KEEP


def _availability(raw: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    for day, spans in raw.items():
        if day not in WEEKDAYS:
            raise InvalidInput("availability", f"unknown weekday {day!r}; one of {', '.join(WEEKDAYS)}")
        for span in spans:
            if len(span) != 2:
                raise InvalidInput("availability", f"{day}: each span is [start, end]")
            for value in span:
                try:
                    parse_hhmm(value)
                except ValueError:
                    raise InvalidInput("availability", f"{day}: not a time (HH:MM): {value!r}") from None
    return {day: [list(span) for span in spans] for day, spans in raw.items() if spans}


class SetPreferences:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, matches: MatchInvalidation, events: TaskQueue
    ) -> None:
        self._events = events
        self._uow = uow
        self._reference = reference
        self._clock = clock
        self._matches = matches

    def _validated(self, command: SetPreferencesCommand) -> dict[str, object]:
        job_types = list(dict.fromkeys(t.strip() for t in command.job_types if t.strip()))
        if len(job_types) > MAX_JOB_TYPES or any(len(t) > MAX_JOB_TYPE_LENGTH for t in job_types):
            raise InvalidInput("job_types", f"at most {MAX_JOB_TYPES}, each at most {MAX_JOB_TYPE_LENGTH} characters")
        industries = list(dict.fromkeys(c.strip() for c in command.industries if c.strip()))
        if unknown := [c for c in industries if self._reference.industry(c) is None]:
            raise InvalidInput("industries", f"not JSIC rev. 14 codes: {', '.join(unknown)}")
        commute, wage = command.max_commute_minutes, command.min_hourly_wage
        if commute is not None and not 5 <= commute <= 240:
            raise InvalidInput("max_commute_minutes", "must be between 5 and 240")
        if wage is not None and not 0 <= wage <= 100_000:
            raise InvalidInput("min_hourly_wage", "must be between 0 and 100000")
        fields: dict[str, object] = {
            "job_types": job_types, "industries": industries, "max_commute_minutes": commute,
            "min_hourly_wage": wage, "availability": _availability(command.availability),
        }  # fmt: skip
        if (threshold := command.alert_threshold) is not KEEP:
            fields["alert_threshold"] = None if threshold is None else check_alert_threshold(threshold)
        if command.instant_alerts is not KEEP:
            fields["instant_alerts"] = command.instant_alerts
        return fields

    async def __call__(self, command: SetPreferencesCommand) -> User:
        fields = self._validated(command)
        now = self._clock.now()
        async with self._uow as uow:
            user = await uow.users.get(command.user_id)
            if user is None:
                raise NotFound("user", command.user_id)
            if user.preferences is None:
                user.preferences = Preferences(created_at=now)
            for name, value in fields.items():
                setattr(user.preferences, name, value)
            user.preferences.updated_at = now
            user.updated_at = now
            await uow.commit()
        await self._matches.user_changed(user.id)
        await self._events.user_changed(user.id)  # their matches are recomputed off the request
        return user

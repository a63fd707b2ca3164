"""One mail (or the decision not to send one) per campaign run and user (the customer's `email_logs`).

Status moves pending -> sent -> opened -> clicked, or ends as bounced, failed or skipped with a reason.
"""

import enum
import re
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import TypeVar

from domain.errors import InvalidTransition
from domain.ids import time_ordered_id


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    FAILED = "failed"
    SKIPPED = "skipped"


FINAL_STATUSES = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.OPENED, DeliveryStatus.CLICKED, DeliveryStatus.BOUNCED,
     DeliveryStatus.FAILED, DeliveryStatus.SKIPPED}
)  # fmt: skip
MAILED_STATUSES = frozenset({DeliveryStatus.SENT, DeliveryStatus.OPENED, DeliveryStatus.CLICKED})

_ALLOWED: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    DeliveryStatus.PENDING: frozenset(
        {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.BOUNCED}
    ),
    DeliveryStatus.SENT: frozenset({DeliveryStatus.OPENED, DeliveryStatus.CLICKED, DeliveryStatus.BOUNCED}),
    DeliveryStatus.OPENED: frozenset({DeliveryStatus.CLICKED, DeliveryStatus.BOUNCED}),
    DeliveryStatus.CLICKED: frozenset(),
    DeliveryStatus.BOUNCED: frozenset(),
    DeliveryStatus.FAILED: frozenset({DeliveryStatus.PENDING}),  # an operator's retry
    DeliveryStatus.SKIPPED: frozenset(),
}


class FailureKind(enum.StrEnum):
    """Why a failed delivery failed. PERMANENT: the relay refused this recipient for good (a 5xx reply,
    which the bounce handling treats as a hard bounce) or the mail could not be built; never retried.
    RETRYABLE: temporary refusals used up their attempts, or the relay was unreachable;
    `mail retry-failed` sends these again."""

    PERMANENT = "permanent"
    RETRYABLE = "retryable"


class SkipReason(enum.StrEnum):
    NO_NEW_MATCHES = "no_new_matches"
    NO_HOME_LOCATION = "no_home_location"
    OPTED_OUT = "opted_out"
    INACTIVE = "inactive"
    SUPPRESSED = "suppressed"  # the address bounced hard, complained, or bounced soft too often
    FREQUENCY_CAP = "frequency_cap"  # mailed as often as the per-user cap allows in its period
    WEEKLY = "weekly"  # the person asked for a weekly mail and had one in the last seven days


@dataclass(eq=False)
class MatchedJob:
    """A job placed in a delivery (the customer's `matching_results`), with what the mail says of it."""

    job_id: uuid.UUID
    match_rank: int
    total_score: float
    basic_score: float
    seo_score: float
    personalized_score: float
    reasons: list[str]
    distance_km: float | None
    commute_minutes: int | None
    id: uuid.UUID = field(default_factory=time_ordered_id)


@dataclass(eq=False)
class Delivery:
    run_id: uuid.UUID
    campaign_id: uuid.UUID
    user_id: uuid.UUID
    email_address: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    reason: str | None = None
    subject: str | None = None
    message_id: str | None = None
    id: uuid.UUID = field(default_factory=time_ordered_id)
    created_at: datetime | None = None
    sent_at: datetime | None = None
    opened_at: datetime | None = None
    clicked_at: datetime | None = None
    unsubscribed_at: datetime | None = None  # the recipient unsubscribed through this mail's link
    attempts: int = 0
    # Sending state. `sending_at` is set (and committed) just before the message is handed to the relay
    # and cleared with the outcome: a pending delivery that still has it was in flight when its sender
    # died, so the relay may or may not have taken it ("in doubt").
    sending_at: datetime | None = None
    retry_at: datetime | None = None  # a temporary refusal: not claimed again before this
    failure: FailureKind | None = None
    smtp_code: int | None = None  # the relay's last reply code for this delivery, if it refused it
    detail: str | None = None  # the relay's words (reason stays a short category, counted in summaries)
    matches: list[MatchedJob] = field(default_factory=list)
    variant_id: uuid.UUID | None = None  # the campaign's A/B variant the user was in for this run

    def _move(self, target: DeliveryStatus) -> None:
        if target not in _ALLOWED[self.status]:
            raise InvalidTransition("delivery", self.status, target)
        self.status = target

    def mark_sent(self, at: datetime, subject: str, message_id: str) -> None:
        self._move(DeliveryStatus.SENT)
        self.sent_at, self.subject, self.message_id = at, subject, message_id
        self.sending_at = self.retry_at = None
        self.reason = None

    def mark_failed(
        self, reason: str, kind: FailureKind = FailureKind.PERMANENT, smtp_code: int | None = None,
        detail: str | None = None,
    ) -> None:  # fmt: skip
        self._move(DeliveryStatus.FAILED)
        self.reason, self.failure, self.smtp_code, self.detail = reason, kind, smtp_code, detail
        self.sending_at = self.retry_at = None

    def defer(self, until: datetime, reason: str, smtp_code: int | None = None, detail: str | None = None) -> None:
        """A temporary refusal: stays pending, not to be tried again before `until`."""
        if self.status is not DeliveryStatus.PENDING:
            raise InvalidTransition("delivery", self.status, DeliveryStatus.PENDING)
        self.retry_at, self.reason, self.smtp_code, self.detail = until, reason, smtp_code, detail
        self.sending_at = None

    def retry(self) -> None:
        """An operator's retry of a retryable failure: pending again with fresh attempts."""
        if self.failure is not FailureKind.RETRYABLE:
            raise InvalidTransition("delivery", self.status, DeliveryStatus.PENDING)
        self._move(DeliveryStatus.PENDING)
        self.reason = self.failure = self.smtp_code = self.detail = self.retry_at = self.sending_at = None
        self.attempts = 0

    def mark_skipped(self, reason: str) -> None:
        self._move(DeliveryStatus.SKIPPED)
        self.reason = reason
        self.sending_at = self.retry_at = None

    def mark_opened(self, at: datetime) -> None:
        if self.status in (DeliveryStatus.OPENED, DeliveryStatus.CLICKED):
            return  # a second open changes nothing
        self._move(DeliveryStatus.OPENED)
        self.opened_at = at

    def mark_clicked(self, at: datetime) -> None:
        if self.status is DeliveryStatus.CLICKED:
            return
        self._move(DeliveryStatus.CLICKED)
        self.clicked_at = at

    def mark_unsubscribed(self, at: datetime) -> None:
        """The unsubscribe link of this mail was used; the first use counts (any status: a skipped or
        failed delivery has no mail, so its link was never seen, but the record does no harm)."""
        if self.unsubscribed_at is None:
            self.unsubscribed_at = at

    def mark_bounced(self, reason: str) -> None:
        self._move(DeliveryStatus.BOUNCED)
        self.reason = reason


T = TypeVar("T")


def _pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle a frozen slotted dataclass as (class, field values). Its default pickling looks the fields
    up again on every object (~80 us each); a planning process sends a run's million matches this way."""
    values = attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]
    cls.__reduce__ = lambda self: (cls, values(self))  # type: ignore[method-assign]
    return cls


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class PlannedMatch:
    """A job chosen for a planned delivery. Plain (not mapped): a run plans about a million of these, and
    planning only writes them out."""

    job_id: uuid.UUID
    match_rank: int
    total_score: float
    basic_score: float
    seo_score: float
    personalized_score: float
    reasons: list[str]
    distance_km: float | None
    commute_minutes: int | None
    id: uuid.UUID = field(default_factory=time_ordered_id)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    """What planning decided for one user of a run: pending with its matches, or skipped with a reason.
    Storage turns it into a Delivery (status pending or skipped) with its MatchedJobs."""

    run_id: uuid.UUID
    campaign_id: uuid.UUID
    user_id: uuid.UUID
    email_address: str
    status: DeliveryStatus
    reason: str | None
    matches: tuple[PlannedMatch, ...]
    id: uuid.UUID = field(default_factory=time_ordered_id)
    variant_id: uuid.UUID | None = None

    def as_delivery(self, created_at: datetime) -> Delivery:
        delivery = Delivery(
            self.run_id, self.campaign_id, self.user_id, self.email_address, status=self.status,
            reason=self.reason, id=self.id, created_at=created_at, variant_id=self.variant_id,
        )  # fmt: skip
        delivery.matches = [
            MatchedJob(m.job_id, m.match_rank, m.total_score, m.basic_score, m.seo_score, m.personalized_score,
                       list(m.reasons), m.distance_km, m.commute_minutes, id=m.id)
            for m in self.matches
        ]  # fmt: skip
        return delivery


def message_id_for(run_id: uuid.UUID, user_id: uuid.UUID, domain: str) -> str:
    """Derived from (run, user), so a resend after a crash carries the same Message-ID."""
    return f"<{run_id.hex}.{user_id.hex}@{domain}>"


_MESSAGE_ID = re.compile(r"<?\s*([0-9a-f]{32})\.([0-9a-f]{32})@([^>\s]+)\s*>?\Z")


def read_message_id(message_id: str, domain: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(run, user) from a Message-ID made by `message_id_for` for `domain`; None for anyone else's."""
    match = _MESSAGE_ID.match(message_id.strip().lower())
    if match is None or match.group(3) != domain.lower():
        return None
    return uuid.UUID(match.group(1)), uuid.UUID(match.group(2))

"""Job alerts: which new or changed jobs are worth telling a user about at once, and the record that a job
was mailed to a user as an instant alert."""

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile

from domain.errors import InvalidInput
from domain.scoring.model import ScoreBreakdown
from domain.text import normalize
from domain.user import User

MIN_ALERT_THRESHOLD, MAX_ALERT_THRESHOLD = 0.0, 100.0
# The system campaign whose runs (one per JST day) hold the instant-alert mails, so they are deliveries like
# the daily mail's: the same links, bounces, caps, figures and resend rules.
INSTANT_ALERTS_CAMPAIGN = "instant_alerts"


def is_reserved_campaign_name(name: str) -> bool:
    """The system campaign's name is reserved: no admin campaign may take it (NFKC, blanks and case ignored,
    as names are compared elsewhere), or the instant-alert mail would find that campaign by its name."""
    return normalize(name) == normalize(INSTANT_ALERTS_CAMPAIGN)


def check_alert_threshold(value: float) -> float:
    """A user's own threshold is a total score: a finite number from 0 to 100."""
    if not (math.isfinite(value) and MIN_ALERT_THRESHOLD <= value <= MAX_ALERT_THRESHOLD):
        raise InvalidInput("alert_threshold", f"must be between {MIN_ALERT_THRESHOLD:g} and {MAX_ALERT_THRESHOLD:g}")
    return float(value)


def alert_threshold(user: User, default: float) -> float:
    """The user's own threshold, or the site's `default` when they set none."""
    own = user.wishes.alert_threshold
    return default if own is None else own


def at_or_above(ranked: Sequence[ScoreBreakdown], threshold: float) -> list[ScoreBreakdown]:
    """The jobs of a ranking that reach `threshold`, best first.

    A ranking made at a lower threshold gives exactly what ranking at `threshold` would have: it is ordered
    by total (best first), so the jobs at or above `threshold` lead it, and the per-company cap and the limit
    decide about them before they see any job below it. So one batch ranking at the lowest threshold of a
    group serves every user's own threshold."""
    return list(takewhile(lambda score: score.total >= threshold, ranked))


@dataclass(frozen=True, slots=True)
class JobAlert:
    """A job mailed to a user as an instant alert. One per (user, job), ever: a job is never alerted twice by
    mail, whichever event (or redelivery of one) finds it again."""

    user_id: uuid.UUID
    job_id: uuid.UUID
    delivery_id: uuid.UUID  # the alert mail (a delivery of the instant-alerts campaign)
    event_id: str  # the event that sent it
    alerted_at: datetime

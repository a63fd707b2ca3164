"""What a bounce does to its address, the same for a returned mail (DSN, webhook) and for a recipient the
relay refused at RCPT TO while we were sending.

Rules:
- An event is recorded once per (report key, address); the second time it changes nothing.
- A hard bounce or a complaint suppresses the address at once. A soft bounce is counted; the address is
  suppressed when its soft bounces reach `soft_bounce_limit`.
- An address suppressed already keeps its first reason.
"""

import enum
from dataclasses import dataclass

from application.ports import SuppressionRepository
from domain.suppression import BounceEvent, BounceKind, Suppression


@dataclass(frozen=True)
class BouncePolicy:
    soft_bounce_limit: int = 3


class BounceOutcome(enum.StrEnum):
    SUPPRESSED = "suppressed"
    COUNTED = "counted"  # a soft bounce below the limit
    ALREADY_SUPPRESSED = "already_suppressed"
    DUPLICATE = "duplicate"
    UNMATCHED = "unmatched"


async def record_bounce(suppressions: SuppressionRepository, event: BounceEvent, policy: BouncePolicy) -> BounceOutcome:
    """Record `event` and suppress its address if the rules say so; the caller commits."""
    if not await suppressions.add_event(event):
        return BounceOutcome.DUPLICATE
    said = f"{event.status or ''} {event.diagnostic}".strip()
    reason = f"{event.kind.value}: {said}".rstrip()
    if event.kind is BounceKind.SOFT:
        count = await suppressions.soft_count(event.email)
        if count < policy.soft_bounce_limit:
            return BounceOutcome.COUNTED
        reason = f"{count} soft bounces; last: {said}"
    suppression = Suppression(event.email, event.kind, reason[:500], event.received_at, event.delivery_id)
    if not await suppressions.suppress(suppression):
        return BounceOutcome.ALREADY_SUPPRESSED
    return BounceOutcome.SUPPRESSED

"""Bounces, complaints and the addresses that must never be mailed again.

A bounce report is what a returned mail (RFC 3464 DSN) or a feedback report (RFC 5965 ARF) says about one
recipient. Hard bounces and complaints suppress the address at once; soft bounces only after a number of
them, since a full mailbox or a busy server usually recovers.
"""

import enum
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime


class BounceKind(enum.StrEnum):
    HARD = "hard"
    SOFT = "soft"
    COMPLAINT = "complaint"


# RFC 3463 codes that are permanent on paper but clear up by themselves: a full mailbox (5.2.2) and a
# message too large for the mailbox (5.2.3) are what Japanese carriers answer for a full phone.
_TRANSIENT_PERMANENT = frozenset({"5.2.2", "5.2.3"})
_STATUS = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})")
_SMTP_REPLY = re.compile(r"(?<!\d)([45])\d\d(?!\d)")


def status_code(text: str | None) -> str | None:
    """The first RFC 3463 status code (e.g. 5.1.1) in `text`, or None."""
    match = _STATUS.search(text or "")
    return ".".join(match.groups()) if match else None


def classify(action: str | None, status: str | None, diagnostic: str | None) -> BounceKind | None:
    """Hard or soft for a DSN's recipient; None when the report is not a failure (delayed, delivered,
    relayed, expanded) or says nothing usable."""
    action = (action or "").strip().lower()
    if action and action != "failed":
        return None
    code = status_code(status) or status_code(diagnostic)
    if code is not None:
        if code.startswith("2"):
            return None
        if code.startswith("5") and code not in _TRANSIENT_PERMANENT:
            return BounceKind.HARD
        return BounceKind.SOFT
    reply = _SMTP_REPLY.search(diagnostic or "")
    if reply is not None:
        return BounceKind.HARD if reply.group(1) == "5" else BounceKind.SOFT
    return BounceKind.HARD if action == "failed" else None


def classify_refusal(code: int, reply: str) -> BounceKind | None:
    """What a relay's refusal of a recipient at RCPT TO says about the address, by the rules of `classify`
    (a 5xx is hard, a full mailbox soft). RFC 5321 (4.5.3.1.10) asks for a bare 552 at RCPT to be read as
    temporary: it is the full mailbox of RFC 821, so soft. A 4xx says nothing about the address (it is
    retried), and None."""
    if not 500 <= code < 600:
        return None
    if code == 552 and status_code(reply) is None:
        return BounceKind.SOFT
    return classify("failed", None, f"{code} {reply}")


def normalize_address(address: str) -> str:
    """The key suppressions are kept under. Local parts are case-sensitive on paper, but no provider this
    site mails treats them so, and suppressing too much is the safe error."""
    return address.strip().strip("<>").strip().lower()


@dataclass(frozen=True, slots=True)
class BounceReport:
    """One recipient of one returned mail or complaint, with what identifies the mail it is about."""

    report_key: str  # the same report read twice has the same key (its Message-ID, or a digest)
    kind: BounceKind
    recipient: str | None
    status: str | None
    diagnostic: str
    message_id: str | None = None  # of the returned mail
    envelope_addresses: tuple[str, ...] = ()  # where the report was delivered: our VERP sender, if any


@dataclass(eq=False)
class BounceEvent:
    """A bounce or complaint recorded against an address (and the delivery, when it was matched)."""

    report_key: str
    email: str
    kind: BounceKind
    status: str | None
    diagnostic: str
    received_at: datetime
    delivery_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(eq=False)
class Suppression:
    """An address never to be mailed again, and why."""

    email: str
    kind: BounceKind
    reason: str
    created_at: datetime
    delivery_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

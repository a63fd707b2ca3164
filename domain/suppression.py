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


# At RCPT TO, only a refusal that is about the address itself suppresses it (RFC 3463): a bad destination
# mailbox or system (5.1.1, 5.1.2, 5.1.3, 5.1.6 moved, 5.1.10 null MX) or a disabled mailbox (5.2.1). The
# rest of 5.1.x is not: 5.1.7/5.1.8 are our sender address, 5.1.0/5.1.4 say too little. A 5.7.x (policy: a
# blocklisted IP, relay access denied, DMARC), 5.3.x, 5.4.x, 5.5.x, 5.0.0 and any other code are about us,
# the relay or the message: one blocklisting must not suppress an audience for good.
_RCPT_ADDRESS_FAILURES = frozenset({"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1"})
_MAILBOX_FULL = frozenset({"2.2", "2.3"})  # subject.detail of a full mailbox / a message too big for it
# The enhanced code of a reply opens its text (RFC 2034); one further in is an IP address or a quotation.
_RCPT_STATUS = re.compile(r"\s*(?:[245]\d\d[ -]\s*)?([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
# Words by which a reply without an enhanced code says it refuses us (a blocklist, relaying, a policy).
_POLICY_WORDS = re.compile(
    r"block|spamhaus|spamcop|barracuda|black ?list|deny ?list|\bd?nsbl\b|\brbl\b|relay(?:ing)? (?:access )?denied"
    r"|relay(?:ing)? not permitted|not permitted to relay|policy|dmarc|\bspf\b|\bdkim\b|reputation|banned"
    r"|\bspam\b",
    re.IGNORECASE,
)


def rcpt_status_code(reply: str | None) -> str | None:
    """The RFC 3463 code that opens an SMTP reply's text (e.g. 5.1.1 in `5.1.1 no such user`), or None."""
    match = _RCPT_STATUS.match(reply or "")
    return ".".join(match.groups()) if match else None


def classify_refusal(code: int, reply: str) -> BounceKind | None:
    """What a relay's refusal of a recipient at RCPT TO says about the address: HARD (suppress at once) only
    for an address-level failure, SOFT for a full mailbox, None (record nothing against the address; the
    delivery still fails) for everything else. This is stricter than `classify` for returned mails: a
    refusal at RCPT is as often about our sending IP or relay as about the recipient.

    With an enhanced code: 5.1.1/5.1.2/5.1.3/5.1.6/5.1.10 and 5.2.1 are hard; 5.2.2/5.2.3 (and 4.2.2/4.2.3)
    soft; any other code None. Without one: a bare 550/551/553 is hard (the usual "user unknown") unless its
    text names a block or policy (`client host blocked`, `relay access denied`, ...); RFC 5321 (4.5.3.1.10)
    asks for a bare 552 at RCPT to be read as temporary: it is the full mailbox of RFC 821, so soft; any
    other bare 5xx None. A 4xx says nothing about the address (it is retried), and None."""
    if not 500 <= code < 600:
        return None
    status = rcpt_status_code(reply)
    if status is not None:
        if status in _RCPT_ADDRESS_FAILURES:
            return BounceKind.HARD
        klass, _, rest = status.partition(".")
        if klass in ("4", "5") and rest in _MAILBOX_FULL:
            return BounceKind.SOFT
        return None
    if code == 552:
        return BounceKind.SOFT
    if code in (550, 551, 553) and _POLICY_WORDS.search(reply) is None:
        return BounceKind.HARD
    return None


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

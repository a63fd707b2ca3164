"""Telling link scanners from people, for the open pixel and the click links of a mail.

Mail security gateways (Microsoft Defender Safe Links, Proofpoint, Mimecast, Barracuda, ...) fetch every
link and image of a mail on arrival, before anyone reads it. Counted as opens and clicks, they would make
a mail look read by everyone at once. A hit is taken for a scanner when it comes within `window` of the
send, or from a user agent that names a scanner or a script, or with no user agent at all. Image proxies
that fetch when the person opens the mail (Gmail's GoogleImageProxy) are people.
"""

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class HitKind(enum.StrEnum):
    OPEN = "open"
    CLICK = "click"


class ScannerReason(enum.StrEnum):
    TOO_SOON = "too_soon"
    SCANNER_AGENT = "scanner_agent"
    NO_AGENT = "no_agent"


# Lower-case substrings of user agents that only machines send.
SCANNER_AGENTS = (
    "safelinks", "microsoft office existence discovery", "bingpreview", "proofpoint", "mimecast", "barracuda",
    "symantec", "messagelabs", "trendmicro", "fortiguard", "ironport", "cisco", "sophos", "zscaler",
    "checkpoint", "forcepoint", "virustotal", "urlscan", "python-requests", "python-urllib", "aiohttp",
    "curl/", "wget/", "go-http-client", "java/", "okhttp", "headlesschrome", "phantomjs", "slackbot",
    "facebookexternalhit", "twitterbot", "bot/", "spider", "crawler",
)  # fmt: skip


@dataclass(frozen=True)
class ScannerPolicy:
    window: timedelta = timedelta(seconds=30)
    agents: tuple[str, ...] = SCANNER_AGENTS

    def reason(self, user_agent: str | None, sent_at: datetime | None, at: datetime) -> ScannerReason | None:
        """Why this hit is a scanner's, or None for a person."""
        agent = (user_agent or "").strip().lower()
        if not agent:
            return ScannerReason.NO_AGENT
        if any(marker in agent for marker in self.agents):
            return ScannerReason.SCANNER_AGENT
        if sent_at is not None and at - sent_at < self.window:
            return ScannerReason.TOO_SOON
        return None


@dataclass(eq=False)
class LinkHit:
    """One fetch of a mail's open pixel or click link, with who fetched it; a scanner's is flagged and is
    not an open or a click."""

    delivery_id: uuid.UUID
    kind: HitKind
    occurred_at: datetime
    user_agent: str
    scanner_reason: ScannerReason | None
    job_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

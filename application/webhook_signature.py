"""Signatures on webhook calls (the bounce webhook): `HMAC-SHA256(secret, timestamp "." body)` in hex.

The timestamp (Unix seconds) is inside the MAC and must be within `tolerance` of now, so a captured call
cannot be replayed later; the secret is shared with the sender (the relay or mail provider), not derived
from the site's own key, so it can be handed out and rotated alone.
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from application.errors import NotAuthorized

SIGNATURE_HEADER = "X-Mailscore-Signature"
TIMESTAMP_HEADER = "X-Mailscore-Timestamp"


def webhook_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookVerifier:
    secret: bytes = field(repr=False)  # empty: the webhook is not configured and refuses every call
    tolerance: timedelta = timedelta(minutes=5)

    def check(self, timestamp: str | None, signature: str | None, body: bytes, now: datetime) -> None:
        """Raises NotAuthorized unless the call is signed with the secret within the tolerance."""
        if not self.secret:
            raise NotAuthorized("the bounce webhook is not configured (MAILSCORE_BOUNCE_WEBHOOK_SECRET)")
        if not timestamp or not signature or not timestamp.isdigit() or len(timestamp) > 12:
            raise NotAuthorized(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
        if abs(now.timestamp() - int(timestamp)) > self.tolerance.total_seconds():
            raise NotAuthorized(f"{TIMESTAMP_HEADER} is too far from now")
        if not hmac.compare_digest(signature.strip(), webhook_signature(self.secret, timestamp, body)):
            raise NotAuthorized("bad webhook signature")

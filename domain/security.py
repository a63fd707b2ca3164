"""Security records: refresh-token families, partner API keys and the audit trail."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(eq=False)
class RefreshToken:
    """One refresh token of a family (a login). Used once, it is replaced by the next of its family;
    a token used twice means it leaked, and the whole family is revoked."""

    user_id: uuid.UUID
    family_id: uuid.UUID
    token_hash: str  # SHA-256 of the token; the token itself is never stored
    issued_at: datetime
    expires_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(eq=False)
class ApiKey:
    """A partner's key (the customer's `api_keys`): stored hashed, with its own permissions and limit."""

    name: str
    key_hash: str
    permissions: list[str]
    rate_limit_per_hour: int = 1000
    is_active: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime | None = None
    expires_at: datetime | None = None
    created_by: uuid.UUID | None = None


@dataclass(eq=False)
class AuditEntry:
    """Who did what, when: every admin action is recorded."""

    actor_id: uuid.UUID | None  # None: an API key or the system
    actor: str  # "user:<id>", "api_key:<id>" or "system"
    action: str  # e.g. "campaign.create"
    target_type: str
    target_id: str | None
    at: datetime
    details: dict[str, object] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)

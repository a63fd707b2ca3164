"""Security records: refresh-token families, partner API keys and the audit trail."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import InvalidInput
from domain.jst import as_utc
from domain.roles import ALL_PERMISSIONS, Role, permissions

# Permissions that act on the caller's own account (profile, matches, own jobs): a key has no account.
OWN_ACCOUNT_PERMISSIONS = frozenset({"read:own_profile", "update:own_profile", "read:matches", "update:own_jobs"})
MAX_KEY_RATE_LIMIT_PER_HOUR = 1_000_000


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

    def usable_at(self, now: datetime) -> bool:
        """Active (not revoked) and not past its expiry."""
        return self.is_active and (self.expires_at is None or as_utc(self.expires_at) > now)

    def allows(self, permission: str) -> bool:
        return permission in self.permissions


def check_key_grant(granter: Role, wanted: list[str], rate_limit_per_hour: int) -> list[str]:
    """The permissions of a new API key, sorted and without duplicates.

    Rules: at least one; each a name from the customer's RBAC table; none that acts on the caller's own
    account (a key has none); none the granting admin does not hold (no escalation through a key); an
    hourly limit between 1 and MAX_KEY_RATE_LIMIT_PER_HOUR."""
    if not wanted:
        raise InvalidInput("permissions", "give at least one permission")
    held = permissions(granter)
    for name in wanted:
        if name not in ALL_PERMISSIONS:
            raise InvalidInput("permissions", f"unknown permission {name!r}")
        if name in OWN_ACCOUNT_PERMISSIONS:
            raise InvalidInput("permissions", f"{name!r} acts on the caller's own account; an API key has none")
        if name not in held:
            raise InvalidInput("permissions", f"{name!r} is not one of your own permissions")
    if not 1 <= rate_limit_per_hour <= MAX_KEY_RATE_LIMIT_PER_HOUR:
        raise InvalidInput("rate_limit_per_hour", f"between 1 and {MAX_KEY_RATE_LIMIT_PER_HOUR}")
    return sorted(set(wanted))


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

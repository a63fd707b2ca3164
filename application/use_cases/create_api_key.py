"""An admin makes an API key for a partner.

Rules: the name is not blank (at most 100 characters, trimmed); the permissions follow
domain.security.check_key_grant (known names, nothing tied to an own account, nothing the admin lacks);
an expiry, when given, is in the future. The secret is returned once and never stored (its SHA-256 is);
the creation is audited (`api_key.create`) without it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from application.api_keys import api_key_hash, new_api_key_secret
from application.auditing import Actor, AuditTarget, audited
from application.ports import Clock, UnitOfWork
from domain.errors import InvalidInput
from domain.jst import as_utc
from domain.roles import Role
from domain.security import ApiKey, check_key_grant

MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class CreateApiKeyCommand:
    actor_id: uuid.UUID
    actor_role: Role
    name: str
    permissions: list[str]
    rate_limit_per_hour: int = 1000
    expires_at: datetime | None = None

    @property
    def actor(self) -> Actor:
        return Actor.user(self.actor_id)


@dataclass(frozen=True)
class CreatedApiKey:
    key: ApiKey
    secret: str


def _describe(command: CreateApiKeyCommand, created: CreatedApiKey) -> AuditTarget:
    key = created.key
    return AuditTarget("api_key", str(key.id), {"name": key.name, "permissions": key.permissions,
                                                "rate_limit_per_hour": key.rate_limit_per_hour})  # fmt: skip


@audited("api_key.create", _describe)
class CreateApiKey:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: CreateApiKeyCommand) -> CreatedApiKey:
        name = command.name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise InvalidInput("name", f"between 1 and {MAX_NAME_LENGTH} characters, not blank")
        granted = check_key_grant(command.actor_role, command.permissions, command.rate_limit_per_hour)
        now = self._clock.now()
        expires_at = None if command.expires_at is None else as_utc(command.expires_at)
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("expires_at", "must be in the future")
        secret = new_api_key_secret()
        key = ApiKey(
            name=name, key_hash=api_key_hash(secret), permissions=granted,
            rate_limit_per_hour=command.rate_limit_per_hour, created_at=now, expires_at=expires_at,
            created_by=command.actor_id,
        )  # fmt: skip
        async with self._uow as uow:
            await uow.api_keys.add(key)
            await uow.commit()
        return CreatedApiKey(key, secret)

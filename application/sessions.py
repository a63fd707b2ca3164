"""Sessions: a short-lived access token plus an opaque refresh token that rotates on every use.

A refresh token is 32 random bytes; only its SHA-256 is stored. Tokens of one login share a family id, so
a token used twice (it leaked) revokes the whole family.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports import AccessTokens, UnitOfWork
from domain.security import RefreshToken
from domain.user import User

REFRESH_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class Session:
    user: User
    issued_at: datetime
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(
    uow: UnitOfWork, tokens: AccessTokens, user: User, family_id: uuid.UUID, now: datetime
) -> Session:
    """Store the next refresh token of `family_id` (the caller commits) and issue an access token."""
    refresh = secrets.token_urlsafe(32)
    expires_at = now + REFRESH_LIFETIME
    await uow.refresh_tokens.add(RefreshToken(user.id, family_id, refresh_token_hash(refresh), now, expires_at))
    access = tokens.issue(user.id, user.role)
    return Session(user, now, access.token, access.expires_at, refresh, expires_at)

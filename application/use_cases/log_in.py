"""Log in with email and password.

Rules: a wrong email and a wrong password give the same NotAuthorized "invalid email or password", and an
unknown email still costs one password verification, so neither the answer nor its timing tells whether an
account exists. Failures are counted per email and per client address for 15 minutes; at the limit the
key is locked for 15 minutes (TooManyAttempts, even with the right password). A success clears the email's
count. A success opens a new refresh-token family.
"""

import asyncio
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from application.errors import NotAuthorized, TooManyAttempts
from application.ports import AccessTokens, Cache, Clock, PasswordHasher, UnitOfWork
from application.sessions import Session, open_session
from application.use_cases.register_user import normalize_email
from domain.errors import InvalidInput

INVALID_LOGIN = "invalid email or password"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures_per_email: int = 5
    # Per address the bar is higher: Japanese mobile carriers put many customers behind one address (CGNAT).
    max_failures_per_ip: int = 50
    window_seconds: int = 15 * 60
    lock_seconds: int = 15 * 60


@dataclass(frozen=True)
class LoginCommand:
    email: str
    password: str
    client_ip: str = "unknown"


class FailedLogins:
    """Failure counters in the cache: {"count": n, "locked_until": unix seconds or 0}."""

    def __init__(self, cache: Cache, policy: LoginPolicy) -> None:
        self._cache = cache
        self._policy = policy

    async def _read(self, key: str) -> tuple[int, float]:
        raw = await self._cache.get(key)
        if raw is None:
            return 0, 0.0
        try:
            data = json.loads(raw)
            return int(data["count"]), float(data["locked_until"])
        except (ValueError, KeyError, TypeError):
            return 0, 0.0

    async def locked_for(self, keys: list[tuple[str, int]], now: datetime) -> int:
        """Seconds until every key is unlocked (0: none is locked)."""
        wait = 0.0
        for key, _ in keys:
            _, locked_until = await self._read(key)
            wait = max(wait, locked_until - now.timestamp())
        return math.ceil(wait) if wait > 0 else 0

    async def record_failure(self, keys: list[tuple[str, int]], now: datetime) -> None:
        for key, limit in keys:
            count, locked_until = await self._read(key)
            count += 1
            if count >= limit:
                locked_until = now.timestamp() + self._policy.lock_seconds
            ttl = max(self._policy.window_seconds, self._policy.lock_seconds)
            await self._cache.set(key, json.dumps({"count": count, "locked_until": locked_until}).encode(), ttl)

    async def clear(self, key: str) -> None:
        await self._cache.delete(key)


class LogIn:
    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        tokens: AccessTokens,
        cache: Cache,
        clock: Clock,
        policy: LoginPolicy,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._policy = policy
        self._failures = FailedLogins(cache, self._policy)

    async def __call__(self, command: LoginCommand) -> Session:
        try:
            email = normalize_email(command.email)
        except InvalidInput:
            email = command.email.strip().lower()  # still counted and still answered like a wrong password
        email_key = f"login-failures:email:{email}"
        keys = [(email_key, self._policy.max_failures_per_email),
                (f"login-failures:ip:{command.client_ip}", self._policy.max_failures_per_ip)]  # fmt: skip
        now = self._clock.now()
        if wait := await self._failures.locked_for(keys, now):
            raise TooManyAttempts(wait)
        async with self._uow as uow:
            user = await uow.users.by_email(email)
        # Hashing is slow on purpose: it runs off the event loop and outside any transaction.
        if user is None or user.password_hash is None or not user.is_active:
            await asyncio.to_thread(self._hasher.verify_dummy, command.password)
            await self._failures.record_failure(keys, now)
            raise NotAuthorized(INVALID_LOGIN)
        known_hash = user.password_hash
        if not await asyncio.to_thread(self._hasher.verify, known_hash, command.password):
            await self._failures.record_failure(keys, now)
            raise NotAuthorized(INVALID_LOGIN)
        new_hash = None
        if self._hasher.needs_rehash(known_hash):
            new_hash = await asyncio.to_thread(self._hasher.hash, command.password)
        async with self._uow as uow:
            current = await uow.users.get(user.id)
            # The password or the account may have changed while we were hashing.
            if current is None or not current.is_active or current.password_hash != known_hash:
                raise NotAuthorized(INVALID_LOGIN)
            if new_hash is not None:
                current.password_hash = new_hash
            session = await open_session(uow, self._tokens, current, uuid.uuid4(), now)
            await uow.commit()
        await self._failures.clear(email_key)
        return session

"""Register a job seeker with an email and a password.

Rules: the email is trimmed and lower-cased and must look like an address; the password has at least 10
characters (at most 1,024) and is stored only as an argon2id hash; an email already registered is refused;
a new account has the role "user" and is opted in to the daily mail.
"""

import asyncio
import unicodedata
import uuid
from dataclasses import dataclass

from application.errors import AlreadyExists
from application.ports import Clock, PasswordHasher, UnitOfWork
from domain.errors import InvalidInput
from domain.roles import Role
from domain.user import User

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_NAME = 200


@dataclass(frozen=True)
class RegisterCommand:
    email: str
    password: str
    full_name: str = ""


def normalize_email(raw: str) -> str:
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or domain.startswith(".") or domain.endswith("."):
        raise InvalidInput("email", "not an email address")
    if len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput("email", "not an email address")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", f"must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("password", f"must have at most {MAX_PASSWORD} characters")


class RegisterUser:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, command: RegisterCommand) -> User:
        email = normalize_email(command.email)
        check_password(command.password)
        full_name = command.full_name.strip()
        if len(full_name) > MAX_NAME:
            raise InvalidInput("full_name", f"must have at most {MAX_NAME} characters")
        # Slow on purpose: off the event loop and outside the transaction.
        password_hash = await asyncio.to_thread(self._hasher.hash, command.password)
        now = self._clock.now()
        async with self._uow as uow:
            if await uow.users.by_email(email) is not None:
                raise AlreadyExists("an account with this email", "email")
            user = User(
                id=uuid.uuid4(), email=email, full_name=full_name, role=Role.USER.value,
                password_hash=password_hash, created_at=now, updated_at=now,
            )  # fmt: skip
            await uow.users.add(user)
            await uow.commit()
        return user

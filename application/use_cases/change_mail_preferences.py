"""The preference page of a mail (`/p/{token}`): how often the mail comes (daily, weekly or none) and which
job types it is about.

Rules: no login; the signed preferences token is the authority (tampered, foreign-purpose or malformed
tokens, or a user who no longer exists: NotFound). `none` turns the mail off (`email_opt_in` False), the
same as unsubscribing; `daily` and `weekly` turn it on at that pace (weekly: at most one mail in any seven
JST days). Job types are NFKC-normalised, split on commas or 、, trimmed and de-duplicated, at most 30, each
at most 50 characters; they replace the wished job types. Changes take effect at the next run's planning
(and an opt-out also when sending).
"""

import enum
import re
import unicodedata
import uuid
from dataclasses import dataclass

from application.links import read_preferences_token
from application.mail_sending import SendOptions
from application.ports import Clock, MatchInvalidation, UnitOfWork
from domain.errors import InvalidInput, NotFound
from domain.user import MailFrequency, Preferences, User

MAX_JOB_TYPES = 30
MAX_JOB_TYPE_LENGTH = 50
_SEPARATORS = re.compile(r"[,、\n]")


class MailChoice(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"


@dataclass(frozen=True)
class MailPreferences:
    choice: MailChoice
    job_types: tuple[str, ...]


def _current(user: User) -> MailPreferences:
    choice = MailChoice.NONE if not user.email_opt_in else MailChoice(user.mail_frequency)
    return MailPreferences(choice, tuple(user.wishes.job_types))


def parse_job_types(text: str) -> tuple[str, ...]:
    types = tuple(dict.fromkeys(t.strip() for t in _SEPARATORS.split(unicodedata.normalize("NFKC", text)) if t.strip()))
    if len(types) > MAX_JOB_TYPES or any(len(t) > MAX_JOB_TYPE_LENGTH for t in types):
        raise InvalidInput("job_types", f"at most {MAX_JOB_TYPES}, each at most {MAX_JOB_TYPE_LENGTH} characters")
    return types


class ChangeMailPreferences:
    def __init__(self, uow: UnitOfWork, clock: Clock, options: SendOptions, matches: MatchInvalidation) -> None:
        self._uow, self._clock, self._signer, self._matches = uow, clock, options.signer, matches

    def check(self, token: str) -> None:
        """NotFound unless the token is a preferences link we signed (nothing is read)."""
        self._user_id(token)

    def _user_id(self, token: str) -> uuid.UUID:
        link = read_preferences_token(self._signer, token)
        if link is None:
            raise NotFound("link", "preferences")
        return link.user_id

    async def show(self, token: str) -> MailPreferences:
        user_id = self._user_id(token)
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("link", "preferences")
        return _current(user)

    async def __call__(self, token: str, choice: str, job_types: str) -> MailPreferences:
        user_id = self._user_id(token)
        try:
            wanted = MailChoice(choice)
        except ValueError:
            raise InvalidInput("frequency", "one of daily, weekly, none") from None
        types = parse_job_types(job_types)
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("link", "preferences")
            now = self._clock.now()
            user.email_opt_in = wanted is not MailChoice.NONE
            if wanted is not MailChoice.NONE:
                user.mail_frequency = MailFrequency(wanted.value).value
            if user.preferences is None:
                user.preferences = Preferences(created_at=now)
            user.preferences.job_types = list(types)
            user.preferences.updated_at = user.updated_at = now
            await uow.commit()
            result = _current(user)
        await self._matches.user_changed(user_id)
        return result

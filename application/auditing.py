"""The audit trail's one mechanism: a use-case class marked `@audited(...)` records who did what, when.

Rules:
- Every admin action is a use-case marked here; nothing records audit entries by hand.
- The command names its actor (`command.actor`); the entry says who (`actor`, `actor_id`), what
  (`action`, target type and id, details from `describe`), and when (the clock, UTC).
- Only an action that succeeded is recorded; an error leaves no entry, and so does a call `describe`
  says changed nothing (None), e.g. revoking a key that was revoked already.
- The entry is part of the action's own transaction: while an audited call runs, its use-case sees a unit of
  work whose `commit()` only asks for the commit; the one real commit happens after `describe` has named the
  target and the entry is added. A crash commits both or neither. So an audited use-case works in one
  transaction (it may enter `async with` more than once; it is the same transaction) and must not act
  outside it after committing inside `__call__`: a step that must follow the commit (e.g. telling a cache
  what changed) goes in the use-case's `async after_commit(command, result)`, which the decorator awaits
  once the commit the use-case asked for is done; a step whose outcome is part of the result (e.g. starting
  background work) goes in a use-case that calls the audited one, marked `@audited_through(...)`.
"""

import copy
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast

from application.ports import Clock, UnitOfWork
from domain.security import AuditEntry


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: a signed-in user (`user:<id>`), or an operator's command line (`cli`), or `system`."""

    label: str
    user_id: uuid.UUID | None = None

    @classmethod
    def user(cls, user_id: uuid.UUID) -> "Actor":
        return cls(f"user:{user_id}", user_id)


SYSTEM = Actor("system")
COMMAND_LINE = Actor("cli")


@dataclass(frozen=True, slots=True)
class AuditTarget:
    """What an audited call acted on, as the use-case describes it from its command and result."""

    target_type: str
    target_id: str | None
    details: dict[str, object] = field(default_factory=dict)


class _Audited(Protocol):
    _uow: UnitOfWork
    _clock: Clock


U = TypeVar("U")
AUDIT_ACTION = "__audit_action__"


def audited(action: str, describe: Callable[[Any, Any], AuditTarget | None]) -> Callable[[type[U]], type[U]]:
    """Class decorator for a use-case with `_uow`, `_clock` and `async __call__(command) -> result`
    whose command has an `actor: Actor`. `describe(command, result)` names the target and details."""

    def decorate(cls: type[U]) -> type[U]:
        inner: Callable[[Any, Any], Awaitable[Any]] = cls.__call__

        async def __call__(self: _Audited, command: Any) -> Any:
            uow = _OneCommit(self._uow)
            inside = copy.copy(self)  # the instance may be shared; only this call sees the deferred commit
            inside._uow = cast(UnitOfWork, uow)  # it delegates the repositories to the real one
            try:
                result = await inner(inside, command)
                target = describe(command, result)
                if target is not None:
                    actor: Actor = command.actor
                    entry = AuditEntry(
                        actor_id=actor.user_id, actor=actor.label, action=action, target_type=target.target_type,
                        target_id=target.target_id, at=self._clock.now(), details=target.details,
                    )  # fmt: skip
                    await uow.open()
                    await uow.audit.add(entry)
                    await uow.commit()
                committed = await uow.finish()
            except BaseException as error:
                await uow.abandon(error)
                raise
            after_commit = getattr(inside, "after_commit", None)
            if committed and after_commit is not None:
                await after_commit(command, result)
            return result

        __call__.__doc__ = getattr(inner, "__doc__", None)
        setattr(cls, "__call__", __call__)  # noqa: B010 (assigning to a method on the class)
        setattr(cls, AUDIT_ACTION, action)
        return cls

    return decorate


def audited_through(inner: type) -> Callable[[type[U]], type[U]]:
    """Marks a use-case whose change is the audited use-case `inner` it calls (and what it does after that
    commit is not a change of its own to record), so it records `inner`'s action."""

    def decorate(cls: type[U]) -> type[U]:
        action = audit_action_of(inner)
        if action is None:
            raise TypeError(f"{inner.__name__} is not audited")
        setattr(cls, AUDIT_ACTION, action)
        return cls

    return decorate


class _OneCommit:
    """The use-case's unit of work during an audited call: every `async with` shares one transaction of the
    real unit of work, `commit()` only asks for the commit, and the decorator commits once at the end (after
    adding the entry). Leaving a block on an error rolls the whole transaction back at once."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._open = False
        self._wanted = False

    def __getattr__(self, name: str) -> Any:  # the repositories of the open transaction
        return getattr(self._uow, name)

    async def open(self) -> None:
        if not self._open:
            await self._uow.__aenter__()
            self._open, self._wanted = True, False

    async def __aenter__(self) -> "_OneCommit":
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is not None:
            await self.abandon(exc)

    async def commit(self) -> None:
        self._wanted = True

    async def rollback(self) -> None:
        await self._uow.rollback()
        self._wanted = False

    async def finish(self) -> bool:
        """Commit what the use-case asked to commit (and the entry) and close the transaction; True when it
        committed."""
        if not self._open:
            return False
        committed = self._wanted
        if committed:
            await self._uow.commit()
        self._open = False
        await self._uow.__aexit__(None, None, None)
        return committed

    async def abandon(self, error: BaseException) -> None:
        if self._open:
            self._open = False
            await self._uow.__aexit__(type(error), error, error.__traceback__)


def audit_action_of(use_case: type) -> str | None:
    """The action a use-case class records, or None when it is not audited."""
    action = getattr(use_case, AUDIT_ACTION, None)
    return action if isinstance(action, str) else None

"""The audit trail's one mechanism: a use-case class marked `@audited(...)` records who did what, when.

Rules:
- Every admin action is a use-case marked here; nothing records audit entries by hand.
- The command names its actor (`command.actor`); the entry says who (`actor`, `actor_id`), what
  (`action`, target type and id, details from `describe`), and when (the clock, UTC).
- Only an action that succeeded is recorded; an error leaves no entry, and so does a call `describe`
  says changed nothing (None), e.g. revoking a key that was revoked already. The entry is written by the same
  unit of work right after the action commits (a crash in between loses the entry, never the action's
  outcome or a record of something that did not happen).
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

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
            result = await inner(self, command)
            actor: Actor = command.actor
            target = describe(command, result)
            if target is None:
                return result
            entry = AuditEntry(
                actor_id=actor.user_id, actor=actor.label, action=action, target_type=target.target_type,
                target_id=target.target_id, at=self._clock.now(), details=target.details,
            )  # fmt: skip
            async with self._uow as uow:
                await uow.audit.add(entry)
                await uow.commit()
            return result

        __call__.__doc__ = getattr(inner, "__doc__", None)
        setattr(cls, "__call__", __call__)  # noqa: B010 (assigning to a method on the class)
        setattr(cls, AUDIT_ACTION, action)
        return cls

    return decorate


def audit_action_of(use_case: type) -> str | None:
    """The action a use-case class records, or None when it is not audited."""
    action = getattr(use_case, AUDIT_ACTION, None)
    return action if isinstance(action, str) else None

"""Give an account a role (the admin bootstrap). Rules: the account must exist; the role must be one of
domain.roles.Role; the change is written to the audit trail with the actor."""

from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from application.use_cases.register_user import normalize_email
from domain.errors import InvalidInput, NotFound
from domain.roles import Role
from domain.security import AuditEntry
from domain.user import User


@dataclass(frozen=True)
class GrantRoleCommand:
    email: str
    role: str
    actor: str = "system"


class GrantRole:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: GrantRoleCommand) -> User:
        try:
            role = Role(command.role)
        except ValueError:
            raise InvalidInput("role", f"one of {', '.join(r.value for r in Role)}") from None
        email = normalize_email(command.email)
        now = self._clock.now()
        async with self._uow as uow:
            user = await uow.users.by_email(email)
            if user is None:
                raise NotFound("user", email)
            before, user.role, user.updated_at = user.role, role.value, now
            await uow.audit.add(AuditEntry(
                actor_id=None, actor=command.actor, action="user.grant_role", target_type="user",
                target_id=str(user.id), at=now, details={"from": before, "to": role.value},
            ))  # fmt: skip
            await uow.commit()
        return user

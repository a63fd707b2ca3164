"""Give an account a role (the admin bootstrap). Rules: the account must exist; the role must be one of
domain.roles.Role; the change is audited (`user.grant_role`, from and to) with the actor."""

from dataclasses import dataclass

from application.auditing import COMMAND_LINE, Actor, AuditTarget, audited
from application.ports import Clock, UnitOfWork
from application.use_cases.register_user import normalize_email
from domain.errors import InvalidInput, NotFound
from domain.roles import Role
from domain.user import User


@dataclass(frozen=True)
class GrantRoleCommand:
    email: str
    role: str
    actor: Actor = COMMAND_LINE


@dataclass(frozen=True)
class RoleGranted:
    user: User
    previous_role: str


def _describe(command: GrantRoleCommand, result: RoleGranted) -> AuditTarget:
    return AuditTarget("user", str(result.user.id), {"from": result.previous_role, "to": result.user.role})


@audited("user.grant_role", _describe)
class GrantRole:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: GrantRoleCommand) -> RoleGranted:
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
            await uow.commit()
        return RoleGranted(user, before)

"""Give an account a role (the admin bootstrap). Rules: the account must exist; the role must be one of
domain.roles.Role; a company name (NFKC) attaches the account to that company, created if new (an employer
manages its company's postings); the change is audited (`user.grant_role`, from and to, and the company)
with the actor."""

import unicodedata
import uuid
from dataclasses import dataclass

from application.auditing import COMMAND_LINE, Actor, AuditTarget, audited
from application.ports import Clock, UnitOfWork
from application.use_cases.register_user import normalize_email
from domain.company import Company
from domain.errors import InvalidInput, NotFound
from domain.roles import Role
from domain.user import User

MAX_COMPANY_NAME = 200


@dataclass(frozen=True)
class GrantRoleCommand:
    email: str
    role: str
    actor: Actor = COMMAND_LINE
    company: str | None = None


@dataclass(frozen=True)
class RoleGranted:
    user: User
    previous_role: str
    company: Company | None = None


def _describe(command: GrantRoleCommand, result: RoleGranted) -> AuditTarget:
    details: dict[str, object] = {"from": result.previous_role, "to": result.user.role}
    if result.company is not None:
        details["company"] = {"id": str(result.company.id), "name": result.company.name}
    return AuditTarget("user", str(result.user.id), details)


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
        company_name = None
        if command.company is not None:
            company_name = unicodedata.normalize("NFKC", command.company).strip()
            if not company_name or len(company_name) > MAX_COMPANY_NAME:
                raise InvalidInput("company", f"1 to {MAX_COMPANY_NAME} characters")
        now = self._clock.now()
        async with self._uow as uow:
            user = await uow.users.by_email(email)
            if user is None:
                raise NotFound("user", email)
            before, user.role, user.updated_at = user.role, role.value, now
            company = None
            if company_name is not None:
                company = await uow.companies.by_name(company_name)
                if company is None:
                    company = Company(uuid.uuid4(), company_name, now)
                    await uow.companies.add(company)
                user.company_id = company.id
            await uow.commit()
        return RoleGranted(user, before, company)

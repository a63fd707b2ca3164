"""Roles and permissions, exactly as the customer's RBAC table: each role inherits the one below.

user < employer < admin < super_admin.
"""

import enum


class Role(enum.StrEnum):
    USER = "user"
    EMPLOYER = "employer"
    ADMIN = "admin"
    SUPER_ADMIN = "super_admin"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def at_least(self, other: "Role") -> bool:
        return self.rank >= other.rank


_ORDER = (Role.USER, Role.EMPLOYER, Role.ADMIN, Role.SUPER_ADMIN)

# What each role adds to the one below (the customer's sketch, verbatim).
_OWN: dict[Role, frozenset[str]] = {
    Role.USER: frozenset({"read:own_profile", "update:own_profile", "read:jobs", "read:matches"}),
    Role.EMPLOYER: frozenset({"create:jobs", "update:own_jobs", "read:job_applications"}),
    Role.ADMIN: frozenset(
        {"read:all_users", "update:all_users", "delete:users", "read:analytics", "execute:sql", "manage:system"}
    ),
    Role.SUPER_ADMIN: frozenset({"manage:admins", "system:maintenance", "security:audit"}),
}


def permissions(role: Role) -> frozenset[str]:
    """Every permission of `role`, inherited ones included."""
    granted: set[str] = set()
    for level in _ORDER[: role.rank + 1]:
        granted |= _OWN[level]
    return frozenset(granted)


ALL_PERMISSIONS: frozenset[str] = permissions(Role.SUPER_ADMIN)


def has_permission(role: Role, permission: str) -> bool:
    return permission in permissions(role)

"""Errors the use-cases raise about who is asking, on top of the domain's own errors."""

from domain.errors import DomainError


class NotAuthorized(DomainError):
    """The caller is not (or no longer) authenticated. The message is safe to show and says nothing more."""

    def __init__(self, message: str = "authentication required") -> None:
        super().__init__(message)


class PermissionDenied(DomainError):
    def __init__(self, permission: str) -> None:
        super().__init__(f"this needs the permission {permission!r}")
        self.permission = permission


class AlreadyExists(DomainError):
    def __init__(self, what: str, field: str) -> None:
        super().__init__(f"{what} already exists")
        self.what = what
        self.field = field


class TooManyAttempts(DomainError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("too many failed attempts; try again later")
        self.retry_after_seconds = retry_after_seconds


class AccountRequired(DomainError):
    """An API key was used on a route that acts for a user account (it has none)."""

    def __init__(self) -> None:
        super().__init__("this route acts for a user account; API keys cannot use it (use a bearer token)")


class RateLimited(DomainError):
    """A request over one of its budgets; `scope` says which: "ip", "user", "api_key" or "global"."""

    def __init__(self, scope: str, retry_after_seconds: int) -> None:
        super().__init__(f"too many requests ({scope} limit); try again in {retry_after_seconds} s")
        self.scope = scope
        self.retry_after_seconds = retry_after_seconds

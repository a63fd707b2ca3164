"""Domain errors: what can go wrong in the business rules, independent of any framework."""


class DomainError(Exception):
    """Base of every error the domain or application raises on purpose."""


class NotFound(DomainError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} not found: {key}")
        self.what = what
        self.key = key


class InvalidInput(DomainError):
    """Input that breaks a rule; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidTransition(DomainError):
    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(f"{entity} cannot move from {current} to {target}")
        self.current = current
        self.target = target


class BelowMinimumWage(InvalidInput):
    def __init__(self, wage: int, legal_minimum: int, prefecture_code: str) -> None:
        super().__init__(
            "hourly_wage",
            f"{wage} JPY is below the legal minimum wage of {legal_minimum} JPY in force "
            f"in prefecture {prefecture_code}",
        )
        self.wage = wage
        self.legal_minimum = legal_minimum

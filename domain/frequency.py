"""How often one person may be mailed, whatever the campaign."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FrequencyCap:
    """At most `mails` mails to one user in any `days` consecutive JST days, counted over every campaign;
    `mails` None: no cap."""

    mails: int | None = None
    days: int = 7

    def __post_init__(self) -> None:
        if (self.mails is not None and self.mails < 1) or self.days < 1:
            raise ValueError("a frequency cap needs at least one mail and one day")

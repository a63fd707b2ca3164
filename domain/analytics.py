"""What the admins read about campaigns: deliveries counted by outcome, and the rates over mails sent.

Each delivery counts once per outcome (unique opens and clicks per delivery, however often the pixel or a
link was hit). `sent` is every delivery handed to the relay (it may have been opened, clicked or bounced
since); a click counts as an open too, since a mail client that blocks the pixel still shows the links.
Rates are over `sent`, and 0.0 when nothing was sent.
"""

from dataclasses import dataclass, fields

RATED = ("bounced", "opened", "clicked", "unsubscribed")


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    deliveries: int = 0  # every delivery planned, whatever became of it
    pending: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    bounced: int = 0
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0

    def __add__(self, other: "DeliveryCounts") -> "DeliveryCounts":
        return DeliveryCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def rates(self) -> dict[str, float]:
        """bounced, opened, clicked and unsubscribed over sent, rounded to 4 places."""
        return {name: round(getattr(self, name) / self.sent, 4) if self.sent else 0.0 for name in RATED}

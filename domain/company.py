"""Companies that post jobs. An employer account belongs to one company and manages that company's jobs."""

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(eq=False)
class Company:
    id: uuid.UUID
    name: str  # unique; NFKC-normalised, as postings show it
    created_at: datetime | None = None

"""What a user did with a job (the customer's `user_actions`)."""

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple


class ActionKind(enum.StrEnum):
    VIEW = "view"
    CLICK = "click"
    FAVORITE = "favorite"
    APPLY = "apply"
    DISMISS = "dismiss"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"


# How much each kind says about interest; a dismissal says 'not this kind of job'.
ACTION_WEIGHTS: dict[ActionKind, float] = {
    ActionKind.VIEW: 1.0,
    ActionKind.CLICK: 2.0,
    ActionKind.FAVORITE: 4.0,
    ActionKind.APPLY: 6.0,
    ActionKind.DISMISS: -4.0,
    ActionKind.EMAIL_OPEN: 0.5,
    ActionKind.EMAIL_CLICK: 3.0,
}


@dataclass(eq=False)
class Action:
    user_id: uuid.UUID
    job_id: uuid.UUID
    kind: ActionKind
    occurred_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    metadata: dict[str, object] = field(default_factory=dict)


class ActionEvent(NamedTuple):
    """An action as scoring reads it: a light tuple, so a run can hold a million of them."""

    user_id: uuid.UUID
    job_id: uuid.UUID
    kind: ActionKind
    occurred_at: datetime

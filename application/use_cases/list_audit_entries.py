"""Read the audit trail: who did what, when, newest first, a page at a time.

Rules: filters are the actor's label (`user:<id>`, `cli`, `system`; a bare user id means `user:<id>`), the
action (e.g. `campaign.edit`), and JST dates `first`..`last` (both included). A page holds 1 to 200
entries; `cursor` (opaque, signed, from the previous page) continues after its last entry, and the last
page has no next cursor. Entries at the same instant are ordered by id, so pages never skip or repeat one.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from application.paging import CursorCodec, cursor_moment, cursor_uuid
from application.ports import AuditFilter, UnitOfWork
from application.report_dates import check_report_date
from domain.errors import InvalidInput
from domain.jst import at_jst
from domain.security import AuditEntry

MAX_PAGE = 200
LISTING = "audit"


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    action: str | None = None
    first: date | None = None
    last: date | None = None
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None


def _actor(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        return f"user:{uuid.UUID(text)}"
    except ValueError:
        return text


class ListAuditEntries:
    def __init__(self, uow: UnitOfWork, cursors: CursorCodec) -> None:
        self._uow = uow
        self._cursors = cursors

    async def __call__(self, query: AuditQuery) -> AuditPage:
        if not 1 <= query.limit <= MAX_PAGE:
            raise InvalidInput("limit", f"must be between 1 and {MAX_PAGE}")
        check_report_date("from", query.first)
        check_report_date("to", query.last)
        if query.first and query.last and query.first > query.last:
            raise InvalidInput("from", f"{query.first} is after to={query.last}")
        before = None
        if query.cursor is not None:
            payload = self._cursors.decode(LISTING, query.cursor)
            before = (cursor_moment(payload, "at"), cursor_uuid(payload, "id"))
        where = AuditFilter(
            actor=_actor(query.actor), action=query.action.strip() if query.action else None,
            since=at_jst(query.first, 0) if query.first else None,
            until=at_jst(query.last + timedelta(days=1), 0) if query.last else None, before=before,
        )  # fmt: skip
        async with self._uow as uow:
            entries = await uow.audit.search(where, query.limit + 1)
        next_cursor = None
        if len(entries) > query.limit:
            entries = entries[: query.limit]
            last = entries[-1]
            next_cursor = self._cursors.encode(LISTING, {"at": last.at.isoformat(), "id": str(last.id)})
        return AuditPage(entries, next_cursor)

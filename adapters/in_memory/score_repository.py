"""In-memory twin of the score repository."""

import json
import uuid
from collections.abc import Collection, Sequence

from adapters.in_memory.store import Transaction
from application.ports import ScoreRecord
from domain.jst import as_utc


class InMemoryScoreRepository:
    def __init__(self, tx: Transaction) -> None:
        self._scores = tx.scores

    async def replace_for_users(self, user_ids: Collection[uuid.UUID], records: Sequence[ScoreRecord]) -> None:
        for user_id in user_ids:
            self._scores.pop(user_id, None)
        fresh: dict[uuid.UUID, dict[uuid.UUID, ScoreRecord]] = {}
        for record in records:
            # Stored as the SQL adapters store it: factors as JSON text, time as aware UTC.
            factors = record.score_factors
            text = factors if isinstance(factors, str) else json.dumps(factors, ensure_ascii=False)
            record = record._replace(calculated_at=as_utc(record.calculated_at), score_factors=text)
            fresh.setdefault(record.user_id, dict(self._scores.get(record.user_id, {})))[record.job_id] = record
        self._scores.update(fresh)

    async def top_for_user(self, user_id: uuid.UUID, limit: int) -> list[ScoreRecord]:
        rows = self._scores.get(user_id, {}).values()
        return sorted(rows, key=lambda r: (-r.total_score, r.job_id))[:limit]

    async def remove_jobs(self, job_ids: Collection[uuid.UUID]) -> int:
        dead, removed = set(job_ids), 0
        for user_id, rows in list(self._scores.items()):
            kept = {job_id: row for job_id, row in rows.items() if job_id not in dead}
            if len(kept) < len(rows):
                removed += len(rows) - len(kept)
                self._scores[user_id] = kept  # a new inner dict: the committed one is shared
        return removed

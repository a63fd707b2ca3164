"""Ranking: a total order (total desc, then posted_at desc, then job id), a cap per company, top N."""

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from domain.jst import as_utc
from domain.text import normalize

T = TypeVar("T")


def order_key(total: float, posted_at: datetime, job_id: uuid.UUID) -> tuple[float, float, str]:
    return (-total, -as_utc(posted_at).timestamp(), str(job_id))


def cap_per_company(ordered: Iterable[T], company_of: Callable[[T], str], cap: int, limit: int) -> list[T]:
    """Keep the order, drop a job once its company already has `cap` jobs, stop at `limit`."""
    kept: list[T] = []
    per_company: dict[str, int] = {}
    for item in ordered:
        company = normalize(company_of(item))
        if per_company.get(company, 0) >= cap:
            continue
        per_company[company] = per_company.get(company, 0) + 1
        kept.append(item)
        if len(kept) >= limit:
            break
    return kept


def tiebreak_order(posted_at: Sequence[datetime], job_ids: Sequence[uuid.UUID]) -> list[int]:
    """Rank of each job under (posted_at desc, id asc): lower ranks win ties on the total."""
    order = sorted(range(len(job_ids)), key=lambda i: (-as_utc(posted_at[i]).timestamp(), str(job_ids[i])))
    ranks = [0] * len(order)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return ranks

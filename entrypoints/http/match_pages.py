"""The JSON of a matches page, from items encoded once each rather than on every request.

A snapshot is immutable and a process keeps the snapshots it decoded (MatchCache), so a warm listing hands
out the very same MatchItem objects request after request: each one's JSON (the MatchOut the API has always
sent, rounding included) is kept by the item's identity, holding the item so the identity cannot be reused,
and a page is those bytes joined. A new or re-decoded snapshot has new items, encoded on first use.
"""

from typing import Any, cast

import msgspec

from application.match_cache import MatchItem
from application.use_cases.list_matches import MatchPage
from entrypoints.http.schemas import MatchesOut, MatchOut

_JSON = msgspec.json.Encoder()


def match_out(item: MatchItem) -> MatchOut:
    return MatchOut(
        job_id=item.job_id,
        title=item.title,
        company_name=item.company_name,
        hourly_wage=item.hourly_wage,
        total=round(item.total, 2),
        basic=round(item.basic, 2),
        seo=round(item.seo, 2),
        personalized=round(item.personalized, 2),
        reasons=list(item.reasons),
        distance_km=None if item.distance_km is None else round(item.distance_km, 2),
        commute_minutes=None if item.commute_minutes is None else round(item.commute_minutes),
    )


class MatchPageEncoder:
    def __init__(self, max_items: int = 256 * 100) -> None:  # as many as MatchCache keeps decoded
        self._max_items = max_items
        self._encoded: dict[int, tuple[MatchItem, bytes]] = {}

    def __call__(self, page: MatchPage) -> bytes:
        items = msgspec.Raw(b"[" + b",".join([self._item(item) for item in page.items]) + b"]")
        body = MatchesOut(items=cast(Any, items), eligible=page.eligible, next_cursor=page.next_cursor)
        return _JSON.encode(body)

    def _item(self, item: MatchItem) -> bytes:
        found = self._encoded.get(id(item))
        if found is not None and found[0] is item:
            return found[1]
        encoded = _JSON.encode(match_out(item))
        if len(self._encoded) >= self._max_items:  # the oldest first (dicts keep insertion order)
            del self._encoded[next(iter(self._encoded))]
        self._encoded[id(item)] = (item, encoded)
        return encoded

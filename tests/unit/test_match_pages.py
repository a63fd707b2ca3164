"""A matches page's JSON from kept item JSON: byte for byte what the API encoded from structs before."""

import dataclasses
import uuid
from datetime import UTC, datetime

import msgspec

from application.match_cache import MatchItem
from application.use_cases.list_matches import MatchPage
from entrypoints.http.match_pages import MatchPageEncoder, match_out
from entrypoints.http.schemas import MatchesOut


def an_item(title: str, **fields: object) -> MatchItem:
    values: dict[str, object] = dict(
        job_id=uuid.uuid4(), title=title, company_name="会社", hourly_wage=1300, total=0.123456, basic=0.98765,
        seo=0.5, personalized=0.333333, reasons=("駅から徒歩5分",), distance_km=1.23456, commute_minutes=12.6,
        expires_at=datetime(2026, 5, 1, tzinfo=UTC),
    )  # fmt: skip
    return MatchItem(**(values | fields))  # type: ignore[arg-type]


def as_before(page: MatchPage) -> bytes:
    """The handler's encoding before the kept JSON: structs built and encoded on every request."""
    items = [match_out(item) for item in page.items]
    return msgspec.json.encode(MatchesOut(items=items, eligible=page.eligible, next_cursor=page.next_cursor))


def test_the_page_is_the_structs_encoding_byte_for_byte() -> None:
    items = [an_item("カフェ"), an_item("書店", distance_km=None, commute_minutes=None, reasons=())]
    encode = MatchPageEncoder()
    for page in (MatchPage(items, 7, "abc.def"), MatchPage(items[1:], 7, None), MatchPage([], 0, None)):
        assert encode(page) == as_before(page)
        assert encode(page) == as_before(page)  # the second time from the kept JSON
    assert msgspec.json.decode(encode(MatchPage(items, 7, None)))["items"][0]["commuteMinutes"] == 13


def test_a_new_snapshots_items_are_encoded_anew_even_when_equal_in_part() -> None:
    encode = MatchPageEncoder()
    old = an_item("カフェ")
    encode(MatchPage([old], 1, None))
    edited = dataclasses.replace(old, title="喫茶店")  # same job, re-ranked after an edit: a new object
    assert "喫茶店" in encode(MatchPage([edited], 1, None)).decode()
    assert "カフェ" in encode(MatchPage([old], 1, None)).decode()


def test_it_keeps_at_most_max_items() -> None:
    encode = MatchPageEncoder(max_items=3)
    items = [an_item(f"job{i}") for i in range(10)]
    for item in items:
        page = MatchPage([item], 1, None)
        assert encode(page) == as_before(page)
    assert len(encode._encoded) == 3
    page = MatchPage(items, 10, None)
    assert encode(page) == as_before(page)

"""Search the open job postings.

Rules: only active jobs whose expiry is still ahead; every filter given must hold:
- prefecture: a code (13, ０１) or a name (東京都, 東京);
- municipality: a JIS X 0402 code (13104) or a name as postings show it (新宿区);
- station: an N02 station code or a name (新宿, 新宿駅); a station matches on every line of that name
  (in the prefecture, when one is given or the code names one);
- job_type: the job type, NFKC-compared (ｶﾌｪ = カフェ);
- industry: a JSIC rev. 14 code; a broader class matches the postings in its narrower ones (M, 76, 767);
- min_hourly_wage: whole yen, the posting's wage at least this;
- keyword: every word occurs in the posting's text, across full/half width, case, and hiragana/katakana.
Newest posting first, then by id; `limit` (1..100, default 20) per page, `next_cursor` continues after the
last job shown. Each bad parameter is an InvalidInput naming it.
"""

import unicodedata
from dataclasses import dataclass

from application.paging import CursorCodec, cursor_moment, cursor_uuid
from application.ports import Clock, ReferenceData, UnitOfWork
from domain.errors import InvalidInput
from domain.job import Job
from domain.job_search import JobSearch, SearchPosition
from domain.reference import PREFECTURES
from domain.text import search_words

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_KEYWORD_LENGTH = 200
MAX_KEYWORD_WORDS = 10
MAX_TEXT = 100
CURSOR_LISTING = "jobs"
_PREFECTURE_BY_NAME = {
    **{name: code for code, name in PREFECTURES.items()},
    **{name[:-1]: code for code, name in PREFECTURES.items() if name[-1] in "都府県"},
}


@dataclass(frozen=True)
class SearchJobsQuery:
    """The parameters as the client sent them; None: not given."""

    prefecture: str | None = None
    municipality: str | None = None
    station: str | None = None
    job_type: str | None = None
    industry: str | None = None
    min_hourly_wage: str | None = None
    keyword: str | None = None
    limit: str | None = None
    cursor: str | None = None


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    next_cursor: str | None


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _whole_number(field: str, value: str, low: int, high: int) -> int:
    text = _nfkc(value).replace(",", "")
    if not text.isdecimal() or not low <= int(text) <= high:
        raise InvalidInput(field, f"must be a whole number from {low} to {high}, not {value!r}")
    return int(text)


class SearchJobs:
    def __init__(self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, cursors: CursorCodec) -> None:
        self._uow = uow
        self._reference = reference
        self._clock = clock
        self._cursors = cursors

    async def __call__(self, query: SearchJobsQuery) -> JobPage:
        criteria = self.criteria(query)
        limit = DEFAULT_LIMIT if query.limit is None else _whole_number("limit", query.limit, 1, MAX_LIMIT)
        after = None if query.cursor is None else self._position(query.cursor)
        async with self._uow as uow:
            found = await uow.jobs.search(criteria, self._clock.now(), after, limit + 1)
        jobs = found[:limit]
        next_cursor = None
        if len(found) > limit:
            last = jobs[-1]
            payload = {"p": last.posted_at.isoformat(), "i": str(last.id)}
            next_cursor = self._cursors.encode(CURSOR_LISTING, payload)
        return JobPage(jobs, next_cursor)

    def _position(self, cursor: str) -> SearchPosition:
        payload = self._cursors.decode(CURSOR_LISTING, cursor)
        return SearchPosition(cursor_moment(payload, "p"), cursor_uuid(payload, "i"))

    def criteria(self, query: SearchJobsQuery) -> JobSearch:
        for field, value in (("prefecture", query.prefecture), ("municipality", query.municipality),
                             ("station", query.station), ("job_type", query.job_type),
                             ("industry", query.industry)):  # fmt: skip
            if value is not None and (not _nfkc(value) or len(value) > MAX_TEXT):
                raise InvalidInput(field, f"must be 1 to {MAX_TEXT} characters")
        prefecture = None if query.prefecture is None else self._prefecture(query.prefecture)
        municipality_code, city = self._municipality(query.municipality)
        keywords: tuple[str, ...] = ()
        if query.keyword is not None:
            if len(query.keyword) > MAX_KEYWORD_LENGTH:
                raise InvalidInput("keyword", f"at most {MAX_KEYWORD_LENGTH} characters")
            keywords = search_words(query.keyword)
            if len(keywords) > MAX_KEYWORD_WORDS:
                raise InvalidInput("keyword", f"at most {MAX_KEYWORD_WORDS} words")
        wage = query.min_hourly_wage
        return JobSearch(
            prefecture_code=prefecture,
            municipality_code=municipality_code,
            city=city,
            station_codes=self._stations(query.station, prefecture),
            job_type=None if query.job_type is None else _nfkc(query.job_type),
            industry_prefixes=self._industries(query.industry),
            min_hourly_wage=None if wage is None else _whole_number("min_hourly_wage", wage, 0, 100_000),
            keywords=keywords,
        )

    def _prefecture(self, value: str) -> str:
        text = _nfkc(value)
        code = text.zfill(2) if text.isdecimal() else _PREFECTURE_BY_NAME.get(text)
        if code not in PREFECTURES:
            raise InvalidInput("prefecture", f"{value!r} is neither a prefecture code 01..47 nor a prefecture name")
        return code

    def _municipality(self, value: str | None) -> tuple[str | None, str | None]:
        if value is None:
            return None, None
        text = _nfkc(value)
        if not text.isdecimal():
            return None, text
        if self._reference.municipality(text) is None:
            raise InvalidInput("municipality", f"{value!r} is not a municipality code (JIS X 0402)")
        return text, None

    def _stations(self, value: str | None, prefecture: str | None) -> tuple[str, ...]:
        if value is None:
            return ()
        text = _nfkc(value)
        if text.isdecimal():
            station = self._reference.station(text)
            if station is None:
                raise InvalidInput("station", f"{value!r} is not a station code (N02-23)")
            same = self._reference.stations_named(station.name, station.prefecture_code)
            return tuple(dict.fromkeys([station.code, *(s.code for s in same)]))
        found = self._reference.stations_named(text, prefecture)
        if not found:
            where = f" in prefecture {prefecture}" if prefecture else ""
            raise InvalidInput("station", f"no station named {value!r}{where}")
        return tuple(s.code for s in found)

    def _industries(self, value: str | None) -> tuple[str, ...]:
        if value is None:
            return ()
        code = _nfkc(value).upper()
        industry = self._reference.industry(code)
        if industry is None:
            raise InvalidInput("industry", f"{value!r} is not a JSIC rev. 14 code")
        if code.isdecimal():
            return (code,)
        # A major class (a letter): the postings of its middle classes.
        return tuple(i.code for i in self._reference.industries() if i.major_code == code and len(i.code) == 2)

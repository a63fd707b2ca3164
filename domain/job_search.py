"""Searching the open job postings: the criteria, the searched text, and the order results are paged in.

A keyword matches when every one of its words occurs in the job's search text (title, company, job type,
description, station, place and address) after `search_form`: full/half width, case and katakana versus
hiragana make no difference. Results come newest posting first, then by id: a total order, so a page
boundary (the last job shown) says exactly where the next page starts.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.job import Job
from domain.jst import as_utc
from domain.text import search_form


class Searchable(Protocol):
    """What the search text is made of: a Job, or a row with the same columns (a migration's backfill)."""

    @property
    def title(self) -> str: ...
    @property
    def company_name(self) -> str: ...
    @property
    def job_type(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def nearest_station(self) -> str | None: ...
    @property
    def prefecture(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def address(self) -> str | None: ...


def search_text(job: Searchable) -> str:
    """The job's searchable text in search form, one field a line (a keyword word never spans two)."""
    parts = (job.title, job.company_name, job.job_type, job.nearest_station, job.prefecture, job.city,
             job.address, job.description)  # fmt: skip
    return "\n".join(search_form(part) for part in parts if part)


@dataclass(frozen=True, slots=True)
class SearchPosition:
    """Where a page ended: the last job's posting time and id (results are ordered by both)."""

    posted_at: datetime
    job_id: uuid.UUID

    def comes_before(self, job: Job) -> bool:
        """True when `job` sorts after this position (newest first, then id ascending)."""
        posted = as_utc(job.posted_at)
        mine = as_utc(self.posted_at)
        return posted < mine or (posted == mine and job.id > self.job_id)


@dataclass(frozen=True, slots=True)
class JobSearch:
    """Validated criteria; empty fields do not filter. Names and words are already in compared form."""

    prefecture_code: str | None = None
    municipality_code: str | None = None
    city: str | None = None  # a municipality by its name as jobs store it (NFKC)
    station_codes: tuple[str, ...] = ()  # any of these stations
    job_type: str | None = None  # NFKC-normalised, as jobs store it
    industry_prefixes: tuple[str, ...] = ()  # JSIC codes; a job's code must start with one of them
    min_hourly_wage: int | None = None
    keywords: tuple[str, ...] = ()  # each in search form; all must occur

    def matches(self, job: Job, at: datetime) -> bool:
        """The rule the database query states too (the in-memory twin uses this)."""
        if not job.is_open_at(at):
            return False
        if self.prefecture_code is not None and job.prefecture_code != self.prefecture_code:
            return False
        if self.municipality_code is not None and job.municipality_code != self.municipality_code:
            return False
        if self.city is not None and job.city != self.city:
            return False
        if self.station_codes and job.station_code not in self.station_codes:
            return False
        if self.job_type is not None and job.job_type != self.job_type:
            return False
        if self.industry_prefixes and not (job.industry or "").startswith(self.industry_prefixes):
            return False
        if self.min_hourly_wage is not None and job.hourly_wage < self.min_hourly_wage:
            return False
        text = search_text(job)
        return all(word in text for word in self.keywords)


def search_order(job: Job) -> tuple[float, uuid.UUID]:
    return (-as_utc(job.posted_at).timestamp(), job.id)

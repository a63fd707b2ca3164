"""Steps shared by the features: a world of in-memory storage, bundled reference data and a fixed clock.

pytest-bdd does not await async steps, so every step is sync and drives the use-cases through one
asyncio.Runner per scenario."""

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pytest_bdd import given, parsers

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.reference_data.loader import BundledReferenceData
from domain.job import Job
from domain.jst import at_jst, end_of_day_jst
from domain.user import Address, Preferences, User

REFERENCE = BundledReferenceData()


@dataclass
class World:
    runner: asyncio.Runner
    outbox: Path
    store: InMemoryStore = field(default_factory=InMemoryStore)
    today: date = date(2025, 12, 3)
    users: dict[str, User] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        return at_jst(self.today, 8)

    def clock(self) -> FixedClock:
        return FixedClock(self.now)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store)

    def add(self, row: User | Job) -> None:
        async def add() -> None:
            uow = self.uow()
            async with uow:
                await (uow.users.add(row) if isinstance(row, User) else uow.jobs.add(row))
                await uow.commit()

        self.runner.run(add())

    def job_named(self, job_id: uuid.UUID) -> str:
        return next(title for title, job in self.jobs.items() if job.id == job_id)


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as scenario_runner:
        yield scenario_runner


@pytest.fixture
def world(runner: asyncio.Runner, tmp_path: Path) -> World:
    return World(runner, tmp_path / "outbox")


def home(postal_code: str) -> Address:
    place = REFERENCE.postal_point(postal_code)
    assert place is not None, f"unknown postal code {postal_code}"
    return Address(
        prefecture_code=place.municipality_code[:2], prefecture=place.prefecture, city=place.city,
        municipality_code=place.municipality_code, postal_code=postal_code,
        latitude=place.point.latitude, longitude=place.point.longitude,
    )  # fmt: skip


@given(parsers.parse("today is {day} in Japan"))
def today_is(world: World, day: str) -> None:
    world.today = date.fromisoformat(day)


def _seeker(world: World, name: str, postal_code: str, preferences: Preferences) -> None:
    user = User(uuid.uuid4(), f"{name}@example.jp", full_name=name, address=home(postal_code), preferences=preferences)
    world.users[name] = user
    world.add(user)


@given(parsers.parse('a job seeker "{name}" living at postal code {postal_code:d} who wishes for "{job_type}"'))
def seeker_with_wish(world: World, name: str, postal_code: int, job_type: str) -> None:
    _seeker(world, name, f"{postal_code:07d}", Preferences(job_types=[job_type]))


@given(parsers.parse(
    'a job seeker "{name}" living at postal code {postal_code:d}'
    ' who commutes at most {minutes:d} minutes'))  # fmt: skip
def seeker_with_short_commute(world: World, name: str, postal_code: int, minutes: int) -> None:
    _seeker(world, name, f"{postal_code:07d}", Preferences(max_commute_minutes=minutes))


@given(parsers.parse(
    'an open job "{title}" of type "{job_type}" paying {wage:d} yen an hour'
    " near postal code {postal_code:d}"))  # fmt: skip
def open_job(world: World, title: str, job_type: str, wage: int, postal_code: int) -> None:
    place = home(f"{postal_code:07d}")
    job = Job(
        id=uuid.uuid4(), title=title, company_name=f"{title}株式会社", job_type=job_type, hourly_wage=wage,
        prefecture_code=place.prefecture_code, prefecture=place.prefecture, city=place.city,
        posted_at=world.now - timedelta(days=2), expires_at=end_of_day_jst(world.today + timedelta(days=14)),
        latitude=place.latitude, longitude=place.longitude, walking_minutes=5,
    )  # fmt: skip
    world.jobs[title] = job
    world.add(job)

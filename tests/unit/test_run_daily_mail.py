"""RunDailyMail on the in-memory storage, the outbox mailer and the bundled reference data."""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from adapters.mail.outbox import OutboxMailer
from adapters.reference_data.loader import BundledReferenceData
from application.links import LinkSigner
from application.mail_sending import SendOptions
from application.ports import NullProgress
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand, RunSummary
from domain.action import Action, ActionKind
from domain.campaign import Campaign
from domain.delivery import Delivery, DeliveryStatus
from domain.job import Job
from domain.jst import at_jst, end_of_day_jst
from domain.user import Address, Preferences, User

RUN_DATE = date(2025, 12, 3)
REFERENCE = BundledReferenceData()
OPTIONS = SendOptions(
    base_url="https://mailscore.example.jp", message_id_domain="mailscore.example.jp", signer=LinkSigner(b"x" * 32)
)
SHIBUYA = REFERENCE.postal_point("1500002")
assert SHIBUYA is not None


def make_user(postal_code: str | None, name: str, **overrides: object) -> User:
    address = None
    if postal_code is not None:
        point = REFERENCE.postal_point(postal_code)
        assert point is not None
        address = Address(
            prefecture_code="13", prefecture=point.prefecture, city=point.city, postal_code=postal_code,
            municipality_code=point.municipality_code, latitude=point.point.latitude, longitude=point.point.longitude,
        )  # fmt: skip
    prefs = overrides.pop("preferences", Preferences())
    return User(id=uuid.uuid4(), email=f"{name}@example.jp", full_name=name, address=address,
                preferences=prefs, **overrides)  # type: ignore[arg-type]  # fmt: skip


def make_job(title: str, **overrides: object) -> Job:
    fields: dict[str, object] = dict(
        id=uuid.uuid4(), title=title, company_name=f"{title}株式会社", job_type="カフェ", hourly_wage=1300,
        prefecture_code="13", prefecture="東京都", city="渋谷区", nearest_station="渋谷",
        posted_at=at_jst(RUN_DATE, 8) - timedelta(days=3), expires_at=end_of_day_jst(RUN_DATE + timedelta(days=20)),
        latitude=SHIBUYA.point.latitude, longitude=SHIBUYA.point.longitude, walking_minutes=5,
    )  # fmt: skip
    fields.update(overrides)
    return Job(**fields)  # type: ignore[arg-type]


@dataclass
class World:
    outbox: Path
    store: InMemoryStore = field(default_factory=InMemoryStore)
    campaign: Campaign = field(default_factory=lambda: Campaign(uuid.uuid4(), "daily", per_company_cap=2))

    def __post_init__(self) -> None:
        self.store.campaigns[self.campaign.id] = self.campaign

    async def add(self, *rows: User | Job | Action) -> None:
        uow = InMemoryUnitOfWork(self.store)
        async with uow:
            for row in rows:
                if isinstance(row, User):
                    await uow.users.add(row)
                elif isinstance(row, Job):
                    await uow.jobs.add(row)
                else:
                    await uow.actions.add(row)
            await uow.commit()

    async def run(self, run_date: date = RUN_DATE) -> RunSummary:
        use_case = RunDailyMail(
            InMemoryUnitOfWork(self.store), REFERENCE, JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score"),
            OutboxMailer(self.outbox), FixedClock(at_jst(run_date, 8)), OPTIONS, NullProgress(),
        )  # fmt: skip
        return await use_case(RunDailyMailCommand("daily", run_date))

    def deliveries(self, run_date: date = RUN_DATE) -> dict[uuid.UUID, Delivery]:
        run_ids = {r.id for r in self.store.runs.values() if r.run_date == run_date}
        found = [d for d in self.store.deliveries.values() if d.run_id in run_ids]
        assert len(found) == len({d.user_id for d in found}), "a user has two deliveries in one run"
        return {d.user_id: d for d in found}

    def mailed(self, user: User, run_date: date = RUN_DATE) -> set[uuid.UUID]:
        delivery = self.deliveries(run_date).get(user.id)
        if delivery is None or delivery.status is not DeliveryStatus.SENT:
            return set()
        return {m.job_id for m in delivery.matches}

    def files(self) -> set[str]:
        return {p.stem for p in self.outbox.glob("*.eml")} if self.outbox.exists() else set()


@dataclass
class Cast:
    hanako: User = field(default_factory=lambda: make_user("1600022", "hanako"))  # 新宿
    taro: User = field(default_factory=lambda: make_user("1500041", "taro"))  # 神南, next to 渋谷
    far: User = field(default_factory=lambda: make_user(  # 八王子, 20 minutes at most: nothing in reach
        "1920083", "far", preferences=Preferences(max_commute_minutes=20)))  # fmt: skip
    homeless: User = field(default_factory=lambda: make_user(None, "homeless"))
    opted_out: User = field(default_factory=lambda: make_user("1600022", "optout", email_opt_in=False))
    cafe: Job = field(default_factory=lambda: make_job("渋谷カフェ"))
    at_minimum: Job = field(default_factory=lambda: make_job("最低賃金ちょうど", hourly_wage=1226))
    below_minimum: Job = field(default_factory=lambda: make_job("最低賃金割れ", hourly_wage=1225))
    expired: Job = field(default_factory=lambda: make_job(
        "昨日まで", expires_at=end_of_day_jst(RUN_DATE - timedelta(days=1))))  # fmt: skip
    expiring_today: Job = field(default_factory=lambda: make_job("今日まで", expires_at=end_of_day_jst(RUN_DATE)))
    applied: Job = field(default_factory=lambda: make_job("応募済み"))
    dismissed: Job = field(default_factory=lambda: make_job("興味なし"))
    chain: list[Job] = field(default_factory=lambda: [
        make_job(f"チェーン店{i}", company_name="株式会社チェーン") for i in range(4)])  # fmt: skip

    @property
    def audience(self) -> list[User]:
        return [self.hanako, self.taro, self.far, self.homeless]

    @property
    def jobs(self) -> list[Job]:
        return [self.cafe, self.at_minimum, self.below_minimum, self.expired, self.expiring_today, self.applied,
                self.dismissed, *self.chain]  # fmt: skip


@pytest.fixture
async def world(tmp_path: Path) -> tuple[World, Cast]:
    w, c = World(tmp_path / "outbox"), Cast()
    before = at_jst(RUN_DATE, 8) - timedelta(days=1)
    await w.add(*c.audience, c.opted_out, *c.jobs,
                Action(c.taro.id, c.applied.id, ActionKind.APPLY, before),
                Action(c.taro.id, c.dismissed.id, ActionKind.DISMISS, before))  # fmt: skip
    return w, c


async def test_each_user_of_the_audience_ends_with_one_delivery_and_the_sent_ones_one_file_each(
    world: tuple[World, Cast],
) -> None:
    w, c = world
    summary = await w.run()
    deliveries = w.deliveries()
    assert set(deliveries) == {u.id for u in c.audience}
    sent = {d.id.hex for d in deliveries.values() if d.status is DeliveryStatus.SENT}
    assert {uuid.UUID(s).hex for s in w.files()} == sent
    assert summary.status_counts == {"sent": 2, "skipped": 2}
    assert summary.send.sent == 2
    assert c.cafe.id in w.mailed(c.hanako)
    assert c.cafe.id in w.mailed(c.taro)


async def test_users_without_anything_to_send_are_skipped_with_the_reason(world: tuple[World, Cast]) -> None:
    w, c = world
    summary = await w.run()
    deliveries = w.deliveries()
    far, homeless = deliveries[c.far.id], deliveries[c.homeless.id]
    assert (far.status, far.reason) == (DeliveryStatus.SKIPPED, "no_new_matches")
    assert (homeless.status, homeless.reason) == (DeliveryStatus.SKIPPED, "no_home_location")
    assert far.id.hex not in {uuid.UUID(s).hex for s in w.files()}
    assert homeless.id.hex not in {uuid.UUID(s).hex for s in w.files()}
    assert summary.reason_counts == {"no_new_matches": 1, "no_home_location": 1}


async def test_illegal_expired_and_unwanted_jobs_are_never_mailed(world: tuple[World, Cast]) -> None:
    w, c = world
    await w.run()
    everyone = w.mailed(c.hanako) | w.mailed(c.taro)
    assert c.below_minimum.id not in everyone  # 1225 < Tokyo's 1226 in force since 2025-10-03
    assert c.at_minimum.id in everyone
    assert c.expired.id not in everyone
    assert c.expiring_today.id in w.mailed(c.hanako)
    assert {c.applied.id, c.dismissed.id}.isdisjoint(w.mailed(c.taro))
    assert {c.applied.id, c.dismissed.id} <= w.mailed(c.hanako)  # only taro applied / dismissed


async def test_per_company_cap_is_kept(world: tuple[World, Cast]) -> None:
    w, c = world
    await w.run()
    chain_ids = {j.id for j in c.chain}
    for user in (c.hanako, c.taro):
        assert len(w.mailed(user) & chain_ids) == 2  # four open, cap 2


async def test_opted_out_user_gets_no_delivery(world: tuple[World, Cast]) -> None:
    w, c = world
    await w.run()
    assert c.opted_out.id not in w.deliveries()
    assert len(w.files()) == 2


async def test_running_the_same_campaign_and_date_again_sends_nothing_more(world: tuple[World, Cast]) -> None:
    w, _ = world
    first = await w.run()
    files = {p.name: p.stat().st_mtime_ns for p in w.outbox.glob("*.eml")}
    again = await w.run()
    assert again.send.sent == 0
    assert again.status_counts == first.status_counts
    assert first.planned_now
    assert not again.planned_now  # the summary says planning was done earlier, rather than "0 users"
    assert {p.name: p.stat().st_mtime_ns for p in w.outbox.glob("*.eml")} == files


async def test_next_day_does_not_resend_what_was_mailed_within_the_window(world: tuple[World, Cast]) -> None:
    w, c = world
    await w.run()
    first = w.mailed(c.hanako)
    fresh = make_job("新着カフェ")
    await w.add(fresh)
    tomorrow = RUN_DATE + timedelta(days=1)
    summary = await w.run(tomorrow)
    held_back = {j.id for j in c.chain} - first  # the two the company cap kept out yesterday
    assert len(held_back) == 2
    assert w.mailed(c.hanako, tomorrow) == {fresh.id} | held_back
    assert w.mailed(c.hanako, tomorrow).isdisjoint(first)
    assert fresh.id in w.mailed(c.taro, tomorrow)
    assert w.mailed(c.taro, tomorrow).isdisjoint(w.mailed(c.taro))
    assert summary.status_counts == {"sent": 2, "skipped": 2}
    assert len(w.files()) == 4

"""Demo users, jobs and actions composed from real reference data, for trying the product and for load tests.

Real: postal points, stations, municipalities, organisation names, JSIC industry codes and the legal minimum
wage. Generated (and labelled so: Job.generated, "demo-" external ids, example.jp addresses, a notice in every
description): names, titles, shifts, wages above the minimum, walking minutes, counts and actions.
The same seed gives the same data, ids included. Vectorised with numpy so 100,000 x 50,000 builds in seconds.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import numpy as np
import numpy.typing as npt

from application.ports import ReferenceData, UnitOfWork
from domain.action import Action, ActionKind
from domain.campaign import Campaign
from domain.job import Job
from domain.jst import as_utc, end_of_day_jst, jst_date
from domain.reference import PREFECTURES
from domain.user import Address, Preferences, User

GENERATED_NOTICE = (
    "※この求人はデモ用に生成したもので、実在の募集ではありません（社名・駅・地域は公開データ）。"
)
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class JobTypeSpec:
    industries: tuple[str, ...]  # JSIC rev. 14 detail codes, the most typical first
    role: str  # what a title calls the work
    popularity: float  # relative share of postings and of wishes


JOB_TYPES: dict[str, JobTypeSpec] = {
    "カフェ": JobTypeSpec(("7671",), "カフェスタッフ", 8),
    "コンビニ": JobTypeSpec(("5631",), "コンビニスタッフ", 9),
    "居酒屋": JobTypeSpec(("7651",), "居酒屋ホールスタッフ", 7),
    "ファストフード": JobTypeSpec(("7691", "7711"), "ファストフード店スタッフ", 7),
    "レストラン": JobTypeSpec(("7611", "7624", "7631"), "レストランホール・キッチン", 6),
    "スーパー": JobTypeSpec(("5811", "5621"), "スーパー品出し・レジ", 7),
    "ドラッグストア": JobTypeSpec(("5641",), "ドラッグストア販売", 4),
    "アパレル販売": JobTypeSpec(("5731", "5721"), "アパレル販売スタッフ", 4),
    "倉庫・軽作業": JobTypeSpec(("4711", "4721"), "倉庫内ピッキング・梱包", 7),
    "塾講師": JobTypeSpec(("8231",), "個別指導塾講師", 3),
    "事務": JobTypeSpec(("9211", "9299"), "一般事務・データ入力", 5),
    "コールセンター": JobTypeSpec(("9294",), "コールセンターオペレーター", 4),
    "介護": JobTypeSpec(("8545", "8544"), "介護スタッフ", 4),
    "清掃": JobTypeSpec(("9221",), "ビル清掃スタッフ", 3),
    "配達・ドライバー": JobTypeSpec(("4431", "7721"), "配達スタッフ", 4),
    "イベントスタッフ": JobTypeSpec(("8096",), "イベント運営スタッフ", 3),
    "ホテル・旅館": JobTypeSpec(("7511",), "ホテルフロント・客室係", 3),
    "警備": JobTypeSpec(("9231",), "施設警備スタッフ", 2),
    "カラオケ・アミューズメント": JobTypeSpec(("8095", "8065"), "カラオケ・アミューズメントスタッフ", 3),
}
# Common surnames and given names, combined at random: the people are generated.
FAMILY_NAMES = (
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
    "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水",
    "山崎", "森", "池田", "橋本", "阿部", "石川", "山下", "中島", "石井", "小川",
)  # fmt: skip
GIVEN_NAMES = (
    "陽菜", "結衣", "葵", "凛", "芽依", "美咲", "さくら", "七海", "美羽", "彩花",
    "結菜", "愛", "真央", "萌", "優奈", "蓮", "湊", "大翔", "悠真", "陽翔",
    "樹", "蒼", "颯太", "大和", "翔太", "拓海", "健太", "優斗", "直樹", "和也",
)  # fmt: skip
TITLE_TAGS = (
    "未経験歓迎",
    "週2日〜OK",
    "学生歓迎",
    "主婦(夫)歓迎",
    "シフト自由",
    "交通費支給",
    "まかないあり",
)
WEEKDAYS_ONLY, WEEKEND, EVERY_DAY = 0b0011111, 0b1100000, 0b1111111
# (work days bitmask, start, end, weight): typical part-time shifts, including one past midnight.
SHIFTS = (
    (WEEKDAYS_ONLY, time(9), time(17), 5), (WEEKDAYS_ONLY, time(17), time(22), 4),
    (WEEKEND, time(10), time(18), 3), (EVERY_DAY, time(7), time(12), 2), (EVERY_DAY, time(22), time(6), 1),
    (0b0010101, time(10), time(15), 2), (EVERY_DAY, time(11), time(23), 2),
    (WEEKDAYS_ONLY, time(13), time(21), 2),
)  # fmt: skip
# (weekday bitmask, spans, weight): what people say they can work.
AVAILABILITY = (
    (WEEKDAYS_ONLY, (("09:00", "17:00"),), 4), (WEEKDAYS_ONLY, (("17:00", "22:00"),), 4),
    (WEEKEND, (("10:00", "22:00"),), 3), (EVERY_DAY, (("10:00", "20:00"),), 2),
    (0b0001010, (("18:00", "23:00"),), 1), (WEEKDAYS_ONLY, (("09:00", "13:00"), ("18:00", "21:00")), 1),
    (0, (), 2),  # no availability stated
)  # fmt: skip
ACTION_SHARES = {
    ActionKind.VIEW: 0.45, ActionKind.CLICK: 0.2, ActionKind.FAVORITE: 0.08, ActionKind.APPLY: 0.04,
    ActionKind.DISMISS: 0.08, ActionKind.EMAIL_OPEN: 0.1, ActionKind.EMAIL_CLICK: 0.05,
}  # fmt: skip
COMPANY_FORMS = ("株式会社", "有限会社", "合同会社")
COMMUTE_CHOICES = np.array([20, 30, 40, 45, 60, 75, 90])


@dataclass
class DemoData:
    users: list[User]
    jobs: list[Job]
    actions: list[Action]
    campaign: Campaign  # "daily", default weights
    notice: str = field(default=GENERATED_NOTICE)


def build_demo_data(reference: ReferenceData, users: int, jobs: int, seed: int, now: datetime) -> DemoData:
    rng = np.random.default_rng(seed)
    now = as_utc(now)
    world = _World(reference, now)
    people, drawn = _users(world, rng, users, now)
    postings, drawn = _jobs(world, rng, jobs, drawn, now)
    actions = _actions(world, rng, people, postings, drawn, now)
    campaign = Campaign(id=_uuids(rng, 1)[0], name="daily", created_at=now)
    return DemoData(people, postings, actions, campaign)


class _World:
    """The reference data as arrays, and the legal minimum wage in force now by prefecture."""

    def __init__(self, reference: ReferenceData, now: datetime) -> None:
        self.reference = reference
        self.postal = reference.postal_points()
        self.stations = reference.stations()
        # Companies rather than city halls and schools, so a café job is not posted by a ward office.
        everyone = reference.organisations()
        companies = [o for o in everyone if any(form in o.name for form in COMPANY_FORMS)]
        self.organisations = companies or list(everyone)
        muni_codes = sorted(
            {p.municipality_code for p in self.postal} | {s.municipality_code for s in self.stations}
        )
        self.muni_index = {code: i for i, code in enumerate(muni_codes)}
        self.postal_muni = np.array([self.muni_index[p.municipality_code] for p in self.postal])
        self.station_muni = np.array([self.muni_index[s.municipality_code] for s in self.stations])
        self.postal_lat = np.array([p.point.latitude for p in self.postal])
        self.postal_lon = np.array([p.point.longitude for p in self.postal])
        self.station_lat = np.array([s.point.latitude for s in self.stations])
        self.station_lon = np.array([s.point.longitude for s in self.stations])
        table, today = reference.minimum_wages(), jst_date(now)
        self.minimum = {code: table.in_force(code, today) or 0 for code in PREFECTURES}
        self.org_muni = np.array([self.muni_index.get(o.municipality_code, -1) for o in self.organisations])

    def city(self, municipality_code: str) -> str:
        found = self.reference.municipality(municipality_code)
        return found.name if found else ""


@dataclass(frozen=True, slots=True)
class _Drawn:
    """What the action step needs to know of the users and jobs, as arrays."""

    homes: Ints  # postal point index per user
    wishes: Ints  # (users, 3) job type indices; the first n_wishes of a row are the user's
    n_wishes: Ints
    places: Ints = field(default_factory=lambda: np.zeros(0, np.int64))  # station index per job
    job_types: Ints = field(default_factory=lambda: np.zeros(0, np.int64))
    job_ages: Floats = field(default_factory=lambda: np.zeros(0))  # seconds since posting


def _users(world: _World, rng: np.random.Generator, n: int, now: datetime) -> tuple[list[User], _Drawn]:
    """Users at postal points; municipalities weighted by their stations, so most live where jobs are."""
    stations_per_muni = np.bincount(world.station_muni, minlength=len(world.muni_index)).astype(float)
    postal_per_muni = np.bincount(world.postal_muni, minlength=len(world.muni_index)).astype(float)
    town = np.array([1.0 if p.town_level else 0.3 for p in world.postal])
    weight = (stations_per_muni[world.postal_muni] + 0.3) / postal_per_muni[world.postal_muni] * town
    homes = rng.choice(len(world.postal), size=n, p=weight / weight.sum())
    types = _pick_job_types(rng, n)
    n_types = rng.integers(1, 4, size=n)
    states_industry = rng.random(n) < 0.7
    commute = rng.choice(COMMUTE_CHOICES, size=n)
    extra_wage = rng.integers(0, 31, size=n) * 10
    states_wage = rng.random(n) < 0.9
    pattern = rng.choice(len(AVAILABILITY), size=n, p=_shares([a[2] for a in AVAILABILITY]))
    family, given = rng.integers(0, len(FAMILY_NAMES), n), rng.integers(0, len(GIVEN_NAMES), n)
    age_days = rng.uniform(30, 730, size=n)
    opt_in = rng.random(n) < 0.95
    ids, address_ids, pref_ids = _uuids(rng, n), _uuids(rng, n), _uuids(rng, n)
    names = list(JOB_TYPES)
    people = []
    for i in range(n):
        point = world.postal[homes[i]]
        pref = point.municipality_code[:2]
        wishes = [names[t] for t in types[i, : n_types[i]]]
        created = now - timedelta(days=float(age_days[i]))
        days, spans, _ = AVAILABILITY[pattern[i]]
        people.append(
            User(
                id=ids[i],
                email=f"user{i + 1}@example.jp",
                full_name=f"{FAMILY_NAMES[family[i]]} {GIVEN_NAMES[given[i]]}",
                external_id=f"demo-user-{i + 1:06d}",
                email_opt_in=bool(opt_in[i]),
                created_at=created,
                updated_at=created,
                address=Address(
                    prefecture_code=pref,
                    prefecture=point.prefecture,
                    city=point.city,
                    municipality_code=point.municipality_code,
                    postal_code=point.postal_code,
                    address_line=point.neighborhood or None,
                    latitude=point.point.latitude,
                    longitude=point.point.longitude,
                    id=address_ids[i],
                ),
                preferences=Preferences(
                    job_types=wishes,
                    industries=[JOB_TYPES[w].industries[0] for w in wishes] if states_industry[i] else [],
                    max_commute_minutes=int(commute[i]),
                    min_hourly_wage=_round_up_10(world.minimum[pref]) + int(extra_wage[i])
                    if states_wage[i]
                    else None,
                    availability={
                        d: [list(s) for s in spans] for b, d in enumerate(_DAY_KEYS) if days >> b & 1
                    },
                    id=pref_ids[i],
                    created_at=created,
                    updated_at=created,
                ),
            )
        )
    return people, _Drawn(homes, types, n_types)


def _jobs(
    world: _World, rng: np.random.Generator, n: int, drawn: _Drawn, now: datetime
) -> tuple[list[Job], _Drawn]:
    """Jobs at stations weighted by the users living in the station's municipality (and so by density)."""
    # Jobs per municipality follow its users; spread over its stations, with a floor so every area has some.
    users_per_muni = np.bincount(world.postal_muni[drawn.homes], minlength=len(world.muni_index))
    stations_per_muni = np.bincount(world.station_muni, minlength=len(world.muni_index))
    weight = (users_per_muni[world.station_muni] + 0.02) / stations_per_muni[world.station_muni]
    places = rng.choice(len(world.stations), size=n, p=weight / weight.sum())
    types = rng.choice(len(JOB_TYPES), size=n, p=_shares([s.popularity for s in JOB_TYPES.values()]))
    industry_pick, sparse = rng.random(n), rng.random(n) < 0.03  # ~3% without industry or shift
    shift = rng.choice(len(SHIFTS), size=n, p=_shares([s[3] for s in SHIFTS]))
    extra_wage, walk = rng.integers(0, 501, size=n), rng.integers(1, 16, size=n)
    tag, age = rng.integers(0, len(TITLE_TAGS), size=n), rng.uniform(0, 30 * 86400, size=n)
    lifetime = rng.integers(7, 61, size=n)
    views = rng.poisson(rng.lognormal(3.0, 1.0, size=n))
    applications = rng.binomial(views, 0.03)
    org = _pick_grouped(world.org_muni, world.station_muni[places], rng)
    pref_of_org = np.array([int(o.municipality_code[:2]) for o in world.organisations])
    station_pref = np.array([int(s.prefecture_code) for s in world.stations])[places]
    org = np.where(org >= 0, org, _pick_grouped(pref_of_org, station_pref, rng))
    org = np.where(org >= 0, org, rng.integers(0, len(world.organisations), size=n))
    ids, names, today = _uuids(rng, n), list(JOB_TYPES), jst_date(now)
    postings = []
    for i in range(n):
        station, spec = world.stations[places[i]], JOB_TYPES[names[types[i]]]
        company, city = world.organisations[org[i]].name, world.city(station.municipality_code)
        days, start, end, _ = SHIFTS[shift[i]]
        posted = now - timedelta(seconds=float(age[i]))
        role = spec.role
        postings.append(
            Job(
                id=ids[i],
                title=f"{station.name}駅徒歩{walk[i]}分／{role}（{TITLE_TAGS[tag[i]]}）",
                company_name=company,
                job_type=names[types[i]],
                hourly_wage=_round_up_10(world.minimum[station.prefecture_code] + int(extra_wage[i])),
                prefecture_code=station.prefecture_code,
                prefecture=PREFECTURES[station.prefecture_code],
                city=city,
                posted_at=posted,
                expires_at=end_of_day_jst(today + timedelta(days=int(lifetime[i]))),
                external_id=f"demo-job-{i + 1:06d}",
                description=f"{city}・{station.name}駅周辺の{company}で{role}を募集します。{TITLE_TAGS[tag[i]]}。{GENERATED_NOTICE}",
                industry=None if sparse[i] else spec.industries[int(industry_pick[i] * len(spec.industries))],
                municipality_code=station.municipality_code,
                address=f"{PREFECTURES[station.prefecture_code]}{city}",
                nearest_station=station.name,
                station_code=station.code,
                latitude=station.point.latitude,
                longitude=station.point.longitude,
                walking_minutes=int(walk[i]),
                work_start_time=None if sparse[i] else start,
                work_end_time=None if sparse[i] else end,
                work_days=0 if sparse[i] else days,
                view_count=int(views[i]),
                application_count=int(applications[i]),
                generated=True,
                created_at=posted,
                updated_at=posted,
            )
        )
    return postings, _Drawn(drawn.homes, drawn.wishes, drawn.n_wishes, places, types, age)


def _actions(
    world: _World, rng: np.random.Generator, people: Sequence[User], postings: Sequence[Job], drawn: _Drawn,
    now: datetime,
) -> list[Action]:  # fmt: skip
    """~60% of users acted 0-30 times on jobs near home, mostly of a type they want; the rest start cold."""
    if not people or not postings:
        return []
    counts = np.where(rng.random(len(people)) < 0.6, rng.integers(0, 31, size=len(people)), 0)
    who = np.repeat(np.arange(len(people)), counts)
    wish = drawn.wishes[who, (rng.random(len(who)) * drawn.n_wishes[who]).astype(np.int64)]
    home_lat, home_lon = world.postal_lat[drawn.homes][who], world.postal_lon[drawn.homes][who]
    job_lat, job_lon = world.station_lat[drawn.places], world.station_lon[drawn.places]
    user_cell, job_cell = _cell(home_lat, home_lon), _cell(job_lat, job_lon)
    picked = _pick_grouped(job_cell * 64 + drawn.job_types, user_cell * 64 + wish, rng)
    picked = np.where(
        (picked >= 0) & (rng.random(len(who)) < 0.7), picked, _pick_grouped(job_cell, user_cell, rng)
    )
    wide = _pick_grouped(_cell(job_lat, job_lon, 1.0), _cell(home_lat, home_lon, 1.0), rng)
    picked = np.where(picked >= 0, picked, wide)
    picked = np.where(picked >= 0, picked, rng.integers(0, len(postings), size=len(who)))
    kinds = list(ACTION_SHARES)
    kind = rng.choice(len(kinds), size=len(who), p=_shares(list(ACTION_SHARES.values())))
    # Within the job's life so far (and the last 60 days): nobody acts on a job before it is posted.
    age = rng.random(len(who)) * np.minimum(drawn.job_ages[picked], 60 * 86400)
    ids = _uuids(rng, len(who))
    return [
        Action(people[u].id, postings[j].id, kinds[k], now - timedelta(seconds=s), id=i)
        for u, j, k, s, i in zip(who.tolist(), picked.tolist(), kind.tolist(), age.tolist(), ids, strict=True)
    ]


_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _pick_job_types(rng: np.random.Generator, n: int) -> Ints:
    """Three distinct job types per user, by popularity (Gumbel top-k); the first k are the user's."""
    logits = np.log(_shares([s.popularity for s in JOB_TYPES.values()]))
    keys = logits + rng.gumbel(size=(n, len(JOB_TYPES)))
    return np.argsort(-keys, axis=1)[:, :3]


def _pick_grouped(item_keys: Ints, query_keys: Ints, rng: np.random.Generator) -> Ints:
    """For each query, a random item with the same key, or -1 when there is none."""
    order = np.argsort(item_keys, kind="stable")
    ordered = item_keys[order]
    left = np.searchsorted(ordered, query_keys, side="left")
    count = np.searchsorted(ordered, query_keys, side="right") - left
    offset = (rng.random(len(query_keys)) * np.maximum(count, 1)).astype(np.int64)
    found = order[np.minimum(left + offset, len(order) - 1)] if len(order) else np.zeros_like(left)
    return np.where(count > 0, found, -1)


def _cell(lat: Floats, lon: Floats, size: float = 0.1) -> Ints:
    """A grid cell id (~10 km at size 0.1); users and jobs in one cell are near each other."""
    return (np.floor(lat / size).astype(np.int64) * 100_000 + np.floor(lon / size).astype(np.int64)).astype(
        np.int64
    )


def _uuids(rng: np.random.Generator, n: int) -> list[uuid.UUID]:
    """Version-4 UUIDs drawn from the seeded generator, so ids repeat with the seed."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = raw[:, 6] & 0x0F | 0x40
    raw[:, 8] = raw[:, 8] & 0x3F | 0x80
    data = raw.tobytes()
    return [uuid.UUID(bytes=data[i : i + 16]) for i in range(0, len(data), 16)]


def _shares(weights: Sequence[float]) -> Floats:
    values = np.asarray(weights, dtype=np.float64)
    shares: Floats = values / values.sum()
    return shares


def _round_up_10(yen: int) -> int:
    return -(-yen // 10) * 10


async def store_demo_data(uow: UnitOfWork, data: DemoData) -> None:
    """Store a demo world in one transaction: the campaign, jobs, users and their actions."""
    async with uow:
        await uow.campaigns.add(data.campaign)
        for job in data.jobs:
            await uow.jobs.add(job)
        for user in data.users:
            await uow.users.add(user)
        for action in data.actions:
            await uow.actions.add(action)
        await uow.commit()

"""ImportUsers: postal codes geocode, bad rows are reported and skipped, re-import is idempotent."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.cache.in_process import InProcessCache
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.reference_data import BundledReferenceData
from application.match_cache import MatchCache, MatchCacheSettings
from application.parsing import ImportFile
from application.use_cases.import_users import ImportUsers
from domain.user import User

HEADER = (
    "external_id,email,full_name,postal_code,job_types,industries,max_commute_minutes,min_hourly_wage,"
    "availability,email_opt_in"
)
ROWS = [
    HEADER,
    "u1,hanako@example.jp,山田 花子,１５０－０００２,ｶﾌｪ|コンビニ,7671|5631,45,1300,"
    '"mon-fri 09:00-17:00; 土 10:00-22:00",true',
    "u2,taro..old.@docomo.ne.jp,佐藤 太郎,1500002,,,,,,",
    "u3,not-an-email,x,999-9999,,1234567,1000,abc,mon 25:00-26:00,maybe",
    "u4,HANAKO@example.jp,dup,150-0002,,,,,,",
]


class FixedClock:
    def now(self) -> datetime:
        return datetime(2025, 11, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def reference() -> BundledReferenceData:
    return BundledReferenceData()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def import_users(store: InMemoryStore, reference: BundledReferenceData) -> ImportUsers:
    return ImportUsers(
        InMemoryUnitOfWork(store), reference, FixedClock(), MatchCache(InProcessCache(), MatchCacheSettings())
    )


def _user(store: InMemoryStore, external_id: str) -> User:
    return next(u for u in store.users.values() if u.external_id == external_id)


async def test_rows_geocode_and_bad_rows_are_reported(
    import_users: ImportUsers, store: InMemoryStore
) -> None:
    report = await import_users(ImportFile(lines=ROWS, name="users.csv"))
    assert (report.rows, report.created, report.skipped) == (4, 2, 2)
    assert {(e.line, e.field) for e in report.errors} == {
        (4, "email"), (4, "postal_code"), (4, "industries"), (4, "max_commute_minutes"),
        (4, "min_hourly_wage"), (4, "availability"), (4, "email_opt_in"), (5, "email"),
    }  # fmt: skip
    assert [(w.line, w.field) for w in report.warnings] == [(3, "email")]  # old carrier address: kept
    hanako = _user(store, "u1")
    assert hanako.address is not None
    assert (hanako.address.postal_code, hanako.address.prefecture_code, hanako.address.city) == (
        "1500002", "13", "渋谷区",
    )  # fmt: skip
    assert hanako.home_point is not None
    wishes = hanako.wishes
    assert (wishes.job_types, wishes.industries, wishes.max_commute_minutes) == (
        ["カフェ", "コンビニ"],
        ["7671", "5631"],
        45,
    )
    assert wishes.availability["mon"] == [["09:00", "17:00"]]
    assert wishes.availability["sat"] == [["10:00", "22:00"]]
    assert "sun" not in wishes.availability
    assert _user(store, "u2").email == "taro..old.@docomo.ne.jp"


async def test_reimport_changes_nothing_and_changes_update(
    import_users: ImportUsers, store: InMemoryStore
) -> None:
    await import_users(ImportFile(lines=ROWS, name="users.csv"))
    again = await import_users(ImportFile(lines=ROWS, name="users.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    moved = ROWS[1].replace("１５０－０００２", "530-0001").replace(",45,", ",60,")
    report = await import_users(ImportFile(lines=[HEADER, moved], name="users.csv"))
    assert (report.created, report.updated) == (0, 1)
    hanako = _user(store, "u1")
    assert hanako.address is not None
    assert hanako.preferences is not None
    assert (hanako.address.prefecture, hanako.preferences.max_commute_minutes) == ("大阪府", 60)
    assert len(store.users) == 2


async def test_an_email_of_another_user_is_refused(import_users: ImportUsers) -> None:
    await import_users(ImportFile(lines=ROWS[:2], name="users.csv"))
    report = await import_users(ImportFile(lines=[HEADER, "u9,hanako@example.jp,,,,,,,,"], name="users.csv"))
    assert [(e.line, e.field) for e in report.errors] == [(2, "email")]
    assert report.created == 0


async def test_jsonl_with_lists_and_availability_objects(
    import_users: ImportUsers, store: InMemoryStore, tmp_path: Path
) -> None:
    path = tmp_path / "users.jsonl"
    row = {"external_id": "j1", "email": "a@example.jp", "postal_code": "1500002", "job_types": ["居酒屋"],
           "availability": {"fri": [["18:00", "23:00"]]}, "email_opt_in": False}  # fmt: skip
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    report = await import_users(ImportFile(path=path))
    assert (report.created, report.errors) == (1, [])
    user = _user(store, "j1")
    assert (user.email_opt_in, user.wishes.job_types) == (False, ["居酒屋"])
    assert user.wishes.availability == {"fri": [["18:00", "23:00"]]}


async def test_japanese_addresses_are_kept_with_a_warning_and_each_rejection_names_line_field_reason(
    import_users: ImportUsers, store: InMemoryStore
) -> None:
    rows = [HEADER, "k1,はなこ@example.jp,,,,,,,,", "k2,taro@日本語.jp,,,,,,,,", "k3,taro@bad_domain,,,,,,,,",
            "k4,two@@example.jp,,,,,,,,", "k5,yuki..chan.@docomo.ne.jp,,,,,,,,"]  # fmt: skip
    report = await import_users(ImportFile(lines=rows, name="users.csv"))
    assert report.created == 3
    assert _user(store, "k1").email == "はなこ@example.jp"
    assert _user(store, "k2").email == "taro@xn--wgv71a119e.jp"  # the domain in its IDNA form
    assert [(w.line, w.field) for w in report.warnings] == [(2, "email"), (6, "email")]
    assert "SMTPUTF8" in report.warnings[0].message
    assert "quoted" in report.warnings[1].message
    assert [(e.line, e.field) for e in report.errors] == [(4, "email"), (5, "email")]
    assert all("is not an email address" in e.message for e in report.errors)

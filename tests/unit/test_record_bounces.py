"""RecordBounces on the in-memory storage, fed with the fixture reports; suppressed addresses are then
skipped at planning and at sending."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.mail.composer import JinjaMailComposer
from adapters.mail.dsn import parse_report
from application.links import LinkSigner, read_verp_address, verp_address
from application.mail_sending import RunSender, SendOptions, SendStats
from application.use_cases.record_bounces import BouncePolicy, RecordBounces
from domain.campaign import Campaign, CampaignRun
from domain.delivery import Delivery, DeliveryStatus, MatchedJob
from domain.suppression import BounceKind, BounceReport, Suppression
from domain.user import User
from tests.unit.test_run_daily_mail import World, make_job, make_user
from tests.unit.test_run_sender import NOW, RecordingMailer, plan, statuses

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
SIGNER = LinkSigner(b"bounce-fixture-secret-0123456789")  # the key the fixtures' VERP addresses were made with
OPTIONS = SendOptions("https://mailscore.example.jp", "mailscore.example.jp", SIGNER,
                      sender_address="no-reply@mailscore.example.jp")  # fmt: skip
RUN_ID = uuid.UUID("5d0c2a4e-7b1f-4c8e-9a63-2f4b8d1e0c71")
D, U = "0f6a1d7e-3c2b-4e59-8a10-b7c4d2e9f30", "a1b2c3d4-000{0}-4000-8000-00000000000{0}"
CASES = {  # fixture -> (delivery id, user id, address mailed)
    "postfix": (D + "1", U.format(1), "tanaka.hanako@example.ne.jp"),
    "gmail": (D + "2", U.format(2), "sato.kenta@gmail.com"),
    "docomo": (D + "3", U.format(3), "yuki..chan.@docomo.ne.jp"),
    "arf": (D + "4", U.format(4), "suzuki.aoi@yahoo.co.jp"),
}
FILES = {"postfix": "postfix_user_unknown.eml", "gmail": "gmail_mailbox_full.eml",
         "docomo": "docomo_user_unknown.eml", "arf": "arf_complaint.eml"}  # fmt: skip


def sent_world() -> InMemoryStore:
    store = InMemoryStore()
    campaign = Campaign(uuid.uuid4(), "daily")
    run = CampaignRun(campaign.id, date(2026, 12, 3), id=RUN_ID)
    store.campaigns[campaign.id], store.runs[run.id] = campaign, run
    for delivery_id, user_id, address in CASES.values():
        user = User(uuid.UUID(user_id), address)
        store.users[user.id] = user
        delivery = Delivery(run.id, campaign.id, user.id, address, status=DeliveryStatus.SENT,
                            id=uuid.UUID(delivery_id), sent_at=datetime(2026, 12, 2, 23, tzinfo=UTC),
                            matches=[MatchedJob(uuid.uuid4(), 1, 80.0, 80.0, 50.0, 50.0, [], 1.0, 10)])  # fmt: skip
        store.deliveries[delivery.id] = delivery
    return store


def reports(*names: str) -> list[BounceReport]:
    return [r for name in names for r in parse_report((FIXTURES / FILES[name]).read_bytes())]


def record(store: InMemoryStore, limit: int = 3) -> RecordBounces:
    return RecordBounces(InMemoryUnitOfWork(store), FixedClock(NOW), OPTIONS, BouncePolicy(soft_bounce_limit=limit))


def delivery(store: InMemoryStore, case: str) -> Delivery:
    return store.deliveries[uuid.UUID(CASES[case][0])]


def suppressed(store: InMemoryStore) -> dict[str, BounceKind]:
    return {s.email: s.kind for s in store.suppressions.values()}


def test_the_fixtures_verp_addresses_are_what_the_sender_writes() -> None:
    for case, (delivery_id, _, _) in CASES.items():
        envelope = reports(case)[0].envelope_addresses
        address = verp_address(SIGNER, "no-reply@mailscore.example.jp", uuid.UUID(delivery_id))
        assert (address in envelope) == (case in ("postfix", "docomo")), case
        assert read_verp_address(SIGNER, address.upper()) == uuid.UUID(delivery_id)  # case-blind
        assert read_verp_address(LinkSigner(b"another-key-0123456789abcdef"), address) is None


async def test_hard_bounces_and_complaints_suppress_at_once_and_soft_ones_are_counted() -> None:
    store = sent_world()
    summary = await record(store)(reports("postfix", "gmail", "docomo", "arf"))
    assert summary.outcomes == {"suppressed": 3, "counted": 1}
    assert suppressed(store) == {"tanaka.hanako@example.ne.jp": BounceKind.HARD,
                                 "yuki..chan.@docomo.ne.jp": BounceKind.HARD,
                                 "suzuki.aoi@yahoo.co.jp": BounceKind.COMPLAINT}  # fmt: skip
    assert (delivery(store, "postfix").status, delivery(store, "postfix").reason) == ("bounced", "hard 5.1.1")
    assert delivery(store, "gmail").status is DeliveryStatus.BOUNCED  # a soft bounce still ends that mail
    assert delivery(store, "arf").status is DeliveryStatus.SENT  # a complaint: the mail was delivered


async def test_the_same_report_read_twice_counts_once() -> None:
    store = sent_world()
    await record(store)(reports("gmail", "postfix"))
    again = await record(store)(reports("gmail", "postfix"))
    assert again.outcomes == {"duplicate": 2}
    assert len(store.bounce_events) == 2


async def test_soft_bounces_suppress_when_they_reach_the_limit() -> None:
    store = sent_world()
    data = (FIXTURES / FILES["gmail"]).read_bytes()
    first = parse_report(data)
    second = parse_report(data.replace(b"Message-ID: <6760a1f3", b"Message-ID: <7760a1f3"))  # another report
    assert (await record(store, limit=2)(first)).outcomes == {"counted": 1}
    assert (await record(store, limit=2)(second)).outcomes == {"suppressed": 1}
    [row] = store.suppressions.values()
    assert (row.email, row.kind) == ("sato.kenta@gmail.com", BounceKind.SOFT)
    assert row.reason.startswith("2 soft bounces; last: 4.2.2")


@pytest.mark.parametrize("tamper", ["mac", "message_id"])
async def test_a_report_that_names_no_mail_of_ours_changes_nothing(tamper: str) -> None:
    store = sent_world()
    data = (FIXTURES / FILES["postfix"]).read_bytes()
    if tamper == "mac":  # a forged VERP address, and the returned part gone
        data = data.replace(b"-4fa9c95e79dd8402@", b"-0000000000000000@").split(b"Content-Description: Undelivered")[0]
    else:  # no VERP, and a Message-ID of another sender
        data = data.replace(b"no-reply+0f6a1d7e3c2b4e598a10b7c4d2e9f301-4fa9c95e79dd8402", b"no-reply")
        data = data.replace(b"@mailscore.example.jp>\n", b"@other.example.jp>\n")
    summary = await record(store)(parse_report(data))
    assert summary.outcomes == {"unmatched": 1}
    assert suppressed(store) == {}
    assert delivery(store, "postfix").status is DeliveryStatus.SENT


async def test_a_suppressed_address_is_skipped_when_sending_even_if_planned_before() -> None:
    uow = InMemoryUnitOfWork()
    fine, gone = make_user("1500041", "fine"), make_user("1500041", "gone")
    campaign, run = await plan(uow, [fine, gone], [make_job("ホール")])
    async with uow:
        await uow.suppressions.suppress(Suppression("GONE@example.jp", BounceKind.HARD, "550", NOW))
        await uow.commit()
    mailer = RecordingMailer()
    sender = RunSender(uow, JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score"), mailer,
                       FixedClock(NOW), OPTIONS)  # fmt: skip
    await sender.send_all(campaign, run, SendStats())
    assert await statuses(uow, run, [fine, gone]) == {"fine": ("sent", None), "gone": ("skipped", "suppressed")}
    [mail] = mailer.sent
    assert read_verp_address(SIGNER, mail.envelope_from) == (await statuses_id(uow, run, fine))


async def statuses_id(uow: InMemoryUnitOfWork, run: CampaignRun, user: User) -> uuid.UUID:
    async with uow:
        found = await uow.deliveries.for_user(run.id, user.id)
    assert found is not None
    return found.id


async def test_a_suppressed_address_is_skipped_at_planning_with_the_reason(tmp_path: Path) -> None:
    world, hanako, taro = World(tmp_path / "outbox"), make_user("1600022", "hanako"), make_user("1500041", "taro")
    await world.add(hanako, taro, make_job("渋谷カフェ"))
    world.store.suppressions[uuid.uuid4()] = Suppression("taro@example.jp", BounceKind.COMPLAINT, "abuse", NOW)
    summary = await world.run()
    assert summary.plan.skipped == {"suppressed": 1}
    deliveries = world.deliveries()
    assert (deliveries[taro.id].status, deliveries[taro.id].reason) == ("skipped", "suppressed")
    assert deliveries[hanako.id].status is DeliveryStatus.SENT

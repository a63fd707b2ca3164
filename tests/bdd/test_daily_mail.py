"""Steps of features/daily_mail.feature, driving RunDailyMail on the in-memory storage and the outbox."""

import uuid

from pytest_bdd import given, parsers, scenarios, then, when

from adapters.mail.composer import JinjaMailComposer
from adapters.mail.outbox import OutboxMailer
from application.links import LinkSigner
from application.mail_sending import SendOptions
from application.ports import NullProgress
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand, RunSummary
from domain.campaign import Campaign
from domain.delivery import Delivery, DeliveryStatus
from tests.bdd.conftest import REFERENCE, World

scenarios("daily_mail.feature")

OPTIONS = SendOptions(
    base_url="https://mailscore.example.jp", message_id_domain="mailscore.example.jp", signer=LinkSigner(b"x" * 32)
)


@given(parsers.parse('the campaign "{name}"'))
def campaign(world: World, name: str) -> None:
    item = Campaign(uuid.uuid4(), name)
    world.store.campaigns[item.id] = item


@when(parsers.parse('the daily mail of "{name}" runs'), target_fixture="runs")
def run_mail(world: World, name: str) -> list[RunSummary]:
    return [_run(world, name)]


@when(parsers.parse('the daily mail of "{name}" runs again'))
def run_mail_again(world: World, runs: list[RunSummary], name: str) -> None:
    runs.append(_run(world, name))


def _run(world: World, name: str) -> RunSummary:
    use_case = RunDailyMail(
        world.uow(), REFERENCE, JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score"),
        OutboxMailer(world.outbox), world.clock(), OPTIONS, NullProgress(),
    )  # fmt: skip
    return world.runner.run(use_case(RunDailyMailCommand(name, world.today)))


def deliveries_of(world: World, name: str) -> list[Delivery]:
    user_id = world.users[name].id
    return [d for d in world.store.deliveries.values() if d.user_id == user_id]


def mail_files(world: World) -> set[str]:
    return {p.stem for p in world.outbox.glob("*.eml")} if world.outbox.exists() else set()


@then(parsers.parse('"{name}" gets exactly one mail'))
def exactly_one_mail(world: World, name: str) -> None:
    deliveries = deliveries_of(world, name)
    assert len(deliveries) == 1
    assert deliveries[0].status is DeliveryStatus.SENT
    assert str(deliveries[0].id) in mail_files(world)


@then(parsers.parse('"{name}" gets no mail'))
def no_mail(world: World, name: str) -> None:
    deliveries = deliveries_of(world, name)
    assert all(d.status is not DeliveryStatus.SENT for d in deliveries)
    assert not {str(d.id) for d in deliveries} & mail_files(world)


@then(parsers.parse('the delivery of "{name}" is skipped with the reason "{reason}"'))
def skipped_with_reason(world: World, name: str, reason: str) -> None:
    [delivery] = deliveries_of(world, name)
    assert (delivery.status, delivery.reason) == (DeliveryStatus.SKIPPED, reason)


@then(parsers.re(r"the outbox holds (?P<count>\d+) mails?"))
def outbox_holds(world: World, count: str) -> None:
    assert len(mail_files(world)) == int(count)


@then(parsers.parse("the second run sent {count:d} mails"))
def second_run_sent(runs: list[RunSummary], count: int) -> None:
    assert len(runs) == 2
    assert runs[1].send.sent == count
    assert runs[1].status_counts == runs[0].status_counts

"""Steps of features/admin_campaigns.feature: the admin use-cases on the in-memory storage and the outbox.

A run started "now" is handed to a launcher that keeps it; `the run finishes` works it with the real
daily-mail use-case, as the serving process's background task would."""

import uuid
from datetime import date

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.mail.composer import JinjaMailComposer
from adapters.mail.outbox import OutboxMailer
from application.auditing import Actor
from application.ports import LaunchState, NullProgress
from application.use_cases.create_campaign import CreateCampaign, CreateCampaignCommand
from application.use_cases.preview_campaign_mail import MailPreview, PreviewCampaignMail, PreviewQuery
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand
from application.use_cases.show_campaign_analytics import ShowCampaignAnalytics
from application.use_cases.start_campaign_run import StartCampaignRun, StartCampaignRunCommand
from domain.roles import Role
from domain.user import User
from tests.bdd.conftest import REFERENCE, World
from tests.bdd.test_daily_mail import OPTIONS, mail_files

scenarios("admin_campaigns.feature")

COMPOSER = JinjaMailComposer("noreply@mailscore.example.jp", "Mail Score")


class KeptLauncher:
    def __init__(self) -> None:
        self.runs: dict[uuid.UUID, tuple[str, date]] = {}

    def launch(self, campaign_name: str, run_date: date, run_id: uuid.UUID) -> bool:
        if run_id in self.runs:
            return False
        self.runs[run_id] = (campaign_name, run_date)
        return True

    def state(self, run_id: uuid.UUID) -> LaunchState | None:
        return LaunchState(True, None) if run_id in self.runs else None


@pytest.fixture
def launcher() -> KeptLauncher:
    return KeptLauncher()


def admin(world: World, name: str) -> Actor:
    return Actor.user(world.users[name].id)


def campaign_id(world: World, name: str) -> uuid.UUID:
    return next(c.id for c in world.store.campaigns.values() if c.name == name)


@given(parsers.parse('the admin "{name}" created the campaign "{campaign}"'))
def admin_created_campaign(world: World, name: str, campaign: str) -> None:
    user = User(uuid.uuid4(), f"{name}@example.jp", full_name=name, role=Role.ADMIN.value, email_opt_in=False)
    world.users[name] = user
    world.add(user)
    command = CreateCampaignCommand(campaign, jobs_per_mail=5, actor=admin(world, name))
    world.runner.run(CreateCampaign(world.uow(), world.clock(), COMPOSER)(command))


@when(parsers.parse('"{name}" previews the mail of "{campaign}" for "{user}"'), target_fixture="preview")
def previews(world: World, name: str, campaign: str, user: str) -> MailPreview:
    use_case = PreviewCampaignMail(world.uow(), REFERENCE, COMPOSER, world.clock(), OPTIONS)
    return world.runner.run(use_case(PreviewQuery(campaign_id(world, campaign), world.users[user].id)))


@then(parsers.parse('the preview is addressed to "{user}" and shows "{title}"'))
def preview_shows(preview: MailPreview, user: str, title: str) -> None:
    assert preview.skip_reason is None
    assert preview.mail is not None
    assert f"{user}さん" in preview.mail.text
    assert title in preview.mail.text
    assert title in preview.mail.html
    assert preview.mail.subject


@then("nothing has been sent or stored")
def nothing_sent(world: World) -> None:
    assert (world.store.runs, world.store.deliveries, world.store.scores) == ({}, {}, {})
    assert not mail_files(world)


@when(parsers.re(r'"(?P<name>[^"]+)" runs "(?P<campaign>[^"]+)" now( again)?'))
def runs_now(world: World, launcher: KeptLauncher, name: str, campaign: str) -> None:
    use_case = StartCampaignRun(world.uow(), world.clock(), launcher)
    world.runner.run(use_case(StartCampaignRunCommand(campaign_id(world, campaign), admin(world, name))))


@when("the run finishes")
def run_finishes(world: World, launcher: KeptLauncher) -> None:
    for campaign, run_date in launcher.runs.values():
        use_case = RunDailyMail(world.uow(), REFERENCE, COMPOSER, OutboxMailer(world.outbox), world.clock(), OPTIONS,
                                NullProgress())  # fmt: skip
        world.runner.run(use_case(RunDailyMailCommand(campaign, run_date)))


@then(parsers.parse('the analytics of "{campaign}" show {sent:d} mails sent of {deliveries:d} deliveries in '
                    "{runs:d} run"))  # fmt: skip
def analytics_show(world: World, campaign: str, sent: int, deliveries: int, runs: int) -> None:
    report = world.runner.run(ShowCampaignAnalytics(world.uow())(campaign_id(world, campaign)))
    assert len(report.runs) == runs
    assert (report.total.sent, report.total.deliveries, report.total.failed) == (sent, deliveries, 0)
    assert report.runs[0].status == "finished"


@then(parsers.parse("{count:d} mails are in the outbox"))
def mails_in_outbox(world: World, count: int) -> None:
    assert len(mail_files(world)) == count


@then(parsers.parse('the audit trail says "{name}" did "{actions}"'))
def audit_says(world: World, name: str, actions: str) -> None:
    entries = sorted(world.store.audit.values(), key=lambda e: (e.at, e.action))
    assert [e.action for e in entries] == actions.split(", ")
    assert {e.actor_id for e in entries} == {world.users[name].id}

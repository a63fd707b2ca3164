"""SmtpMailer against a real SMTP server (aiosmtpd on loopback, in its own thread)."""

import email
import email.policy
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from adapters.mail.composer import JinjaMailComposer
from adapters.mail.smtp import SmtpMailer, SmtpSettings
from application.ports import MailContext, MailDeliveryError, MailJob, OutgoingMail


class RecordingHandler:
    """Keeps every accepted message; refuses chosen recipients; can drop the connection at given MAIL
    commands (counted over the whole server) to act like a relay that closes connections."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}
        self.refuse_data: dict[str, str] = {}  # recipient -> the reply to DATA (after RCPT was taken)
        self.drop_at_mail: set[int] = set()
        self.mail_commands = 0
        self.quits = 0

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.mail_commands += 1
            drop = self.mail_commands in self.drop_at_mail
        if drop:
            assert server.transport is not None
            server.transport.close()
            return "421 closing"  # never reaches the client: the socket is already closed
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.original_content, bytes)
        if envelope.rcpt_tos[0] in self.refuse_data:
            return self.refuse_data[envelope.rcpt_tos[0]]
        with self.lock:
            self.messages.append(
                (str(envelope.mail_from), list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.quits += 1
        return "221 Bye"


class CountingController(Controller):
    """Counts connections: aiosmtpd builds one SMTP protocol object per accepted connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections = 0

    def factory(self) -> SMTP:
        self.connections += 1
        server: SMTP = super().factory()  # type: ignore[no-untyped-call]
        return server


def free_port() -> int:
    # aiosmtpd's Controller cannot take port=0 (aiosmtpd #276): ask the OS for a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[CountingController, RecordingHandler]]:
    handler = RecordingHandler()
    controller = CountingController(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    # the controller's own readiness probe opened one connection; count only the mailer's
    controller.connections = 0
    try:
        yield controller, handler
    finally:
        controller.stop()


def settings_for(controller: Controller, pool: int = 4) -> SmtpSettings:
    return SmtpSettings.from_url(f"smtp://127.0.0.1:{controller.port}?pool={pool}&timeout=5")


COMPOSER = JinjaMailComposer("noreply@mail.example.jp", "メールスコア事務局")


def composed(n: int, recipient: str | None = None) -> OutgoingMail:
    job = MailJob(
        "カフェスタッフ",
        "株式会社サンプル",
        1200 + n,
        "渋谷駅 徒歩5分",
        15,
        ("希望職種：カフェ",),
        "https://x.jp/j",
        False,
    )
    context = MailContext(
        delivery_id=uuid.uuid4(),
        message_id=f"<m{n}@mail.example.jp>",
        recipient_email=recipient or f"user{n}@example.com",
        recipient_name=f"利用者{n}",
        campaign_name="daily",
        run_date=date(2025, 1, 21),
        sent_at=datetime(2025, 1, 20, 22, 0, tzinfo=UTC),
        jobs=(job,),
        unsubscribe_url="https://mail.example.jp/u/t",
        preferences_url="https://mail.example.jp/p/t",
    )
    return COMPOSER.compose(context)


async def test_mails_arrive_intact_over_reused_connections(
    server: tuple[CountingController, RecordingHandler],
) -> None:
    controller, handler = server
    mailer = SmtpMailer(settings_for(controller, pool=4))
    mails = [composed(n) for n in range(40)]
    try:
        first = await mailer.send_many(mails[:20])
        second = await mailer.send_many(mails[20:])
    finally:
        await mailer.close()
    assert first | second == {m.delivery_id: None for m in mails}
    assert controller.connections == 4  # the second batch reused the first batch's connections
    assert handler.quits == 4
    by_recipient = {rcpts[0]: (sender, data) for sender, rcpts, data in handler.messages}
    assert len(handler.messages) == 40
    for n, mail in enumerate(mails):
        sender, data = by_recipient[mail.recipient]
        assert sender == "noreply@mail.example.jp"
        assert data.replace(b"\r\n", b"\n") == mail.data.replace(b"\r\n", b"\n")  # aiosmtpd stores LF
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert parsed["Subject"] == mail.subject
        assert f"時給{1200 + n:,}円" in parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]


async def test_550_fails_only_that_recipient_permanently(
    server: tuple[CountingController, RecordingHandler],
) -> None:
    controller, handler = server
    handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    mailer = SmtpMailer(settings_for(controller, pool=2))
    mails = [composed(0), composed(1, "gone@example.com"), composed(2)]
    try:
        result = await mailer.send_many(mails)
    finally:
        await mailer.close()
    error = result[mails[1].delivery_id]
    assert isinstance(error, MailDeliveryError)
    assert error.permanent
    assert "550" in str(error)
    assert result[mails[0].delivery_id] is None
    assert result[mails[2].delivery_id] is None
    assert sorted(r[0] for _, r, _ in handler.messages) == ["user0@example.com", "user2@example.com"]
    assert controller.connections <= 2  # the refusal did not cost a connection


async def test_a_refusal_at_rcpt_names_the_recipient_and_one_after_data_the_message(
    server: tuple[CountingController, RecordingHandler],
) -> None:
    """The sender suppresses an address only for what the relay said about the recipient (RCPT TO)."""
    controller, handler = server
    handler.refuse["gone@example.com"] = "550 5.1.1 <gone@example.com>: Recipient address rejected"
    handler.refuse_data["big@example.com"] = "552 5.3.4 Message size exceeds fixed limit"
    handler.refuse_data["spammy@example.com"] = "554 5.6.0 Content rejected"
    mailer = SmtpMailer(settings_for(controller, pool=1))
    mails = [composed(0, "gone@example.com"), composed(1, "big@example.com"), composed(2, "spammy@example.com"),
             composed(3)]  # fmt: skip
    try:
        result = await mailer.send_many(mails)
    finally:
        await mailer.close()
    gone, big, spammy = (result[m.delivery_id] for m in mails[:3])
    assert isinstance(gone, MailDeliveryError)
    assert (gone.permanent, gone.code, gone.recipient_refused) == (True, 550, True)
    assert gone.reply == "5.1.1 <gone@example.com>: Recipient address rejected"
    assert str(gone) == "SMTP 550 at RCPT TO: 5.1.1 <gone@example.com>: Recipient address rejected"
    for error, code in ((big, 552), (spammy, 554)):
        assert isinstance(error, MailDeliveryError)
        assert (error.permanent, error.code, error.recipient_refused) == (True, code, False)
    assert result[mails[3].delivery_id] is None  # the connection went on after the refusals
    assert controller.connections == 1


async def test_451_is_a_temporary_failure(server: tuple[CountingController, RecordingHandler]) -> None:
    controller, handler = server
    handler.refuse["busy@example.com"] = "451 4.3.0 Try again later"
    mailer = SmtpMailer(settings_for(controller, pool=1))
    mails = [composed(0, "busy@example.com"), composed(1)]
    try:
        result = await mailer.send_many(mails)
    finally:
        await mailer.close()
    error = result[mails[0].delivery_id]
    assert isinstance(error, MailDeliveryError)
    assert not error.permanent
    assert result[mails[1].delivery_id] is None


async def test_dropped_connections_are_reopened_and_the_message_retried(
    server: tuple[CountingController, RecordingHandler],
) -> None:
    controller, handler = server
    handler.drop_at_mail = {3, 10}  # the relay hangs up on two MAIL commands mid-run
    mailer = SmtpMailer(settings_for(controller, pool=2))
    mails = [composed(n) for n in range(20)]
    try:
        result = await mailer.send_many(mails)
    finally:
        await mailer.close()
    assert result == {m.delivery_id: None for m in mails}
    assert sorted(r[0] for _, r, _ in handler.messages) == sorted(m.recipient for m in mails)  # once each
    assert controller.connections == 2 + 2  # the pool plus one reconnect per drop


async def test_a_mail_dropped_on_every_retry_is_a_temporary_failure(
    server: tuple[CountingController, RecordingHandler],
) -> None:
    controller, handler = server
    handler.drop_at_mail = {2, 3, 4, 5}  # the second mail, and each of its 3 retries
    mailer = SmtpMailer(settings_for(controller, pool=1), reconnects=3, reconnect_delay=0.01)
    mails = [composed(n) for n in range(3)]
    try:
        result = await mailer.send_many(mails)
    finally:
        await mailer.close()
    error = result[mails[1].delivery_id]
    assert isinstance(error, MailDeliveryError)
    assert not error.permanent
    assert not error.relay_down  # the relay answers; it just keeps hanging up on this mail
    assert result[mails[0].delivery_id] is None
    assert result[mails[2].delivery_id] is None
    assert handler.mail_commands == 6


async def test_connection_dropped_between_batches_is_reopened(
    server: tuple[CountingController, RecordingHandler],
) -> None:
    controller, handler = server
    mailer = SmtpMailer(settings_for(controller, pool=1))
    first, second = composed(0), composed(1)
    try:
        assert await mailer.send_many([first]) == {first.delivery_id: None}
        handler.drop_at_mail = {2}  # the pooled connection dies when the next batch starts
        assert await mailer.send_many([second]) == {second.delivery_id: None}
    finally:
        await mailer.close()
    assert len(handler.messages) == 2
    assert controller.connections == 2


async def test_unreachable_relay_fails_the_batch_fast_and_transiently() -> None:
    mailer = SmtpMailer(SmtpSettings.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=2"))
    mails = [composed(n) for n in range(50)]
    result = await mailer.send_many(mails)
    await mailer.close()
    assert set(result) == {m.delivery_id for m in mails}
    assert all(isinstance(e, MailDeliveryError) and not e.permanent for e in result.values())


def only_mailer_secret(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    # handled=False: aiosmtpd then sends the 535 itself (its default, True, sends nothing and the client
    # waits out its timeout)
    return AuthResult(success=auth_data.login == b"mailer" and auth_data.password == b"s3cret", handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize(("password", "delivered"), [("s3cret", True), ("wrong", False)])
async def test_login_and_refused_credentials(password: str, delivered: bool) -> None:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port,
        authenticator=only_mailer_secret, auth_required=True, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        mailer = SmtpMailer(
            SmtpSettings.from_url(f"smtp://mailer:{password}@127.0.0.1:{port}?pool=2&timeout=5")
        )
        mails = [composed(n) for n in range(3)]
        result = await mailer.send_many(mails)
        await mailer.close()
    finally:
        controller.stop()
    if delivered:
        assert result == {m.delivery_id: None for m in mails}
    else:
        # 535 is about our configuration, not the recipients: a retry after fixing it will work
        assert all(isinstance(e, MailDeliveryError) and not e.permanent for e in result.values())
        assert handler.messages == []

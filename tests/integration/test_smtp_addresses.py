"""Addresses Japanese users have, against a real SMTP server (aiosmtpd on loopback): old carrier addresses
go out quoted; a Japanese local part goes only to a relay that offers SMTPUTF8, else fails alone, clearly."""

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from adapters.mail.composer import JinjaMailComposer
from adapters.mail.smtp import SmtpMailer, SmtpSettings
from application.ports import MailContext, OutgoingMail

COMPOSER = JinjaMailComposer("no-reply@mailscore.example.jp", "Mail Score")


class Recorder:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.rcpt_lines: list[str] = []  # RCPT TO arguments as they came over the wire

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.original_content, bytes)
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


class WireSMTP(SMTP):
    async def smtp_RCPT(self, arg: str | None) -> None:
        self.event_handler.rcpt_lines.append(arg or "")
        await super().smtp_RCPT(arg)


class WireController(Controller):
    def factory(self) -> SMTP:
        return WireSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd's Controller cannot take port=0
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=[False, True], ids=["plain relay", "SMTPUTF8 relay"])
def relay(request: pytest.FixtureRequest) -> Iterator[tuple[Controller, Recorder, bool]]:
    recorder = Recorder()
    controller = WireController(recorder, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=request.param)
    controller.start()
    try:
        yield controller, recorder, request.param
    finally:
        controller.stop()


def mail_to(address: str) -> OutgoingMail:
    return COMPOSER.compose(MailContext(
        delivery_id=uuid.uuid4(), message_id=f"<{uuid.uuid4().hex}@mailscore.example.jp>", recipient_email=address,
        recipient_name="", campaign_name="daily", run_date=date(2026, 12, 3), sent_at=datetime(2026, 12, 2, tzinfo=UTC),
        jobs=(), unsubscribe_url="https://mailscore.example.jp/u/t", preferences_url="https://mailscore.example.jp/p/t",
    ))  # fmt: skip


async def test_carrier_and_japanese_addresses(relay: tuple[Controller, Recorder, bool]) -> None:
    controller, recorder, smtputf8 = relay
    carrier, japanese, plain = mail_to("yuki..chan.@docomo.ne.jp"), mail_to("はなこ@example.jp"), mail_to("a@b.jp")
    assert carrier.recipient == '"yuki..chan."@docomo.ne.jp'
    assert b'\r\nTo: "yuki..chan."@docomo.ne.jp\r\n' in carrier.data
    assert "To: はなこ@example.jp\r\n".encode() in japanese.data  # RFC 6532: the header itself is UTF-8
    mailer = SmtpMailer(SmtpSettings.from_url(f"smtp://127.0.0.1:{controller.port}?pool=1&timeout=5"))
    try:
        results = await mailer.send_many([carrier, japanese, plain])
    finally:
        await mailer.close()
    assert results[carrier.delivery_id] is None
    assert results[plain.delivery_id] is None
    accepted = [rcpts for rcpts, _ in recorder.received]
    assert 'TO:<"yuki..chan."@docomo.ne.jp>' in recorder.rcpt_lines  # the envelope carries the quoted form
    error = results[japanese.delivery_id]
    if smtputf8:
        assert error is None
        assert ["はなこ@example.jp"] in accepted
        assert "TO:<はなこ@example.jp>" in recorder.rcpt_lines
    else:
        assert error is not None
        assert error.permanent
        assert str(error) == "the relay does not offer SMTPUTF8, which the non-ASCII address はなこ@example.jp needs"
        assert len(accepted) == 2  # the others still went

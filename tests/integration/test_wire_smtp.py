"""WireSmtpClient puts on the wire, byte for byte, what aiosmtplib's own sendmail does, and raises the same
errors; only the CPU it spends differs. Both talk to a loopback server that records each session."""

import asyncio
from collections.abc import AsyncIterator

import aiosmtplib
import pytest

from adapters.mail.smtp import SmtpMailer, SmtpSettings
from adapters.mail.wire_smtp import WireSmtpClient
from tests.integration.test_smtp_mailer import composed


class Recorder(asyncio.Protocol):
    """An SMTP server that keeps every byte a client sends; announces SIZE (as Postfix does) unless told
    otherwise, and answers chosen recipients' RCPT or DATA with a refusal."""

    def __init__(self, transcripts: list[bytearray], replies: dict[bytes, bytes], size: bool) -> None:
        self.transcripts, self.replies, self.size = transcripts, replies, size

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport, self.buffer, self.in_data, self.recipient = transport, bytearray(), False, b""
        self.seen = bytearray()
        self.transcripts.append(self.seen)
        transport.write(b"220 recorder ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.seen += data
        self.buffer += data
        while self.buffer:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                del self.buffer[: end + 5]
                self.in_data = False
                self.transport.write(self.replies.get(b"DATA " + self.recipient, b"250 2.0.0 queued") + b"\r\n")
                continue
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return
            line = bytes(self.buffer[:line_end])
            del self.buffer[: line_end + 2]
            verb = line[:4].upper()
            if verb == b"EHLO":
                extensions = b"250-SIZE 10240000\r\n" if self.size else b""
                self.transport.write(b"250-recorder\r\n" + extensions + b"250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"RCPT":
                self.recipient = line.split(b"<", 1)[1].split(b">", 1)[0]
                self.transport.write(self.replies.get(b"RCPT " + self.recipient, b"250 ok") + b"\r\n")
            elif verb == b"MAIL":
                sender = line.split(b"<", 1)[1].split(b">", 1)[0]
                self.transport.write(self.replies.get(b"MAIL " + sender, b"250 ok") + b"\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.transport.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 ok\r\n")


class Server:
    def __init__(self, size: bool = True) -> None:
        self.transcripts: list[bytearray] = []
        self.replies: dict[bytes, bytes] = {}
        self.size = size
        self.port = 0

    async def session(
        self, client_type: type[aiosmtplib.SMTP], *mails: tuple[str, str, bytes], mail_options: tuple[str, ...] = ()
    ) -> tuple[bytes, list[object], aiosmtplib.SMTP]:
        """What one connection of `client_type` sent for `mails`, what each sendmail gave or raised, and
        the client."""
        client = client_type(hostname="127.0.0.1", port=self.port, local_hostname="client.example.jp",
                             start_tls=False, timeout=5)  # fmt: skip
        await client.connect()
        outcomes: list[object] = []
        for sender, recipient, data in mails:
            try:
                outcomes.append(await client.sendmail(sender, [recipient], data, mail_options=mail_options))
            except aiosmtplib.SMTPRecipientsRefused as exc:
                outcomes.append(("refused", [(r.code, r.message, r.recipient) for r in exc.recipients]))
            except aiosmtplib.SMTPResponseException as exc:
                outcomes.append((type(exc).__name__, exc.code, exc.message))
        await client.quit()
        return bytes(self.transcripts[-1]), outcomes, client


@pytest.fixture(params=[True, False], ids=["SIZE", "no SIZE"])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[Server]:
    recorder = Server(size=request.param)
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(lambda: Recorder(recorder.transcripts, recorder.replies, recorder.size),
                                        "127.0.0.1", 0)  # fmt: skip
    recorder.port = listener.sockets[0].getsockname()[1]
    try:
        yield recorder
    finally:
        listener.close()
        await listener.wait_closed()


SENDER = "noreply@mail.example.jp"


async def test_composed_mails_go_out_as_aiosmtplib_sends_them(server: Server) -> None:
    mails = [(SENDER, f"user{n}@example.com", composed(n).data) for n in range(3)]
    stock, stock_outcomes, _ = await server.session(aiosmtplib.SMTP, *mails)
    wire, wire_outcomes, client = await server.session(WireSmtpClient, *mails)
    assert wire == stock
    assert wire_outcomes == stock_outcomes
    assert isinstance(client, WireSmtpClient)
    assert client.wire_sends == 3  # composed mails take the direct path
    if server.size:
        assert f"size={len(mails[0][2])}".encode() in wire
    assert mails[0][2] + b".\r\n" in wire  # unchanged: no line of a composed mail is rewritten


async def test_the_mailer_sends_over_the_direct_path(server: Server) -> None:
    mailer = SmtpMailer(SmtpSettings.from_url(f"smtp://127.0.0.1:{server.port}?pool=1&timeout=5"))
    mail = composed(0)
    try:
        assert await mailer.send(mail) is None
        [client] = mailer._idle
        assert isinstance(client, WireSmtpClient)
        assert client.wire_sends == 1
    finally:
        await mailer.close()
    assert mail.data + b".\r\n" in server.transcripts[-1]


@pytest.mark.parametrize(
    "data",
    [
        b"Subject: x\n\nbare LF\n",
        b"Subject: x\r\n\r\n.starts with a dot\r\n",
        b".first line\r\n",
        b"Subject: x\r\n\r\nno final line break",
        b"Subject: x\r\n\r\nlone\rCR\r\n",
        b"Subject: x\r\n\r\n..\r\n.\r\n",
    ],
)
async def test_other_messages_are_rewritten_by_aiosmtplib(server: Server, data: bytes) -> None:
    stock, _, _ = await server.session(aiosmtplib.SMTP, (SENDER, "a@example.com", data))
    wire, _, client = await server.session(WireSmtpClient, (SENDER, "a@example.com", data))
    assert wire == stock
    assert isinstance(client, WireSmtpClient)
    assert client.wire_sends == 0


async def test_refusals_raise_what_aiosmtplib_raises_and_reset_the_envelope(server: Server) -> None:
    server.replies.update({
        b"RCPT gone@example.com": b"550 5.1.1 No such user",
        b"RCPT busy@example.com": b"451 4.3.0 Try again later",
        b"DATA big@example.com": b"552 5.3.4 Message size exceeds fixed limit",
        b"MAIL refused@mail.example.jp": b"553 5.7.1 Sender refused",
    })  # fmt: skip
    data = composed(0).data
    mails = [(SENDER, "gone@example.com", data), (SENDER, "busy@example.com", data), (SENDER, "big@example.com", data),
             ("refused@mail.example.jp", "a@example.com", data), (SENDER, "ok@example.com", data)]  # fmt: skip
    stock, stock_outcomes, _ = await server.session(aiosmtplib.SMTP, *mails)
    wire, wire_outcomes, _ = await server.session(WireSmtpClient, *mails)
    assert wire == stock
    assert wire_outcomes == stock_outcomes
    assert [o[0] for o in wire_outcomes[:4]] == ["refused", "refused", "SMTPDataError", "SMTPSenderRefused"]
    assert wire.count(b"RSET\r\n") == 4


@pytest.mark.parametrize("options", [(), ("SMTPUTF8",)])
@pytest.mark.parametrize(
    "recipient", ["a@example.com>\r\nRCPT TO:<b@example.com", "x<y@example.com", '"a b"@example.com', "山田@example.jp"]
)
async def test_odd_addresses_are_taken_as_aiosmtplib_takes_them(
    server: Server, recipient: str, options: tuple[str, ...]
) -> None:
    data = composed(0).data

    async def attempt(client_type: type[aiosmtplib.SMTP]) -> tuple[bytes, object]:
        try:
            transcript, outcomes, _ = await server.session(client_type, (SENDER, recipient, data), mail_options=options)
        except (ValueError, UnicodeError, aiosmtplib.SMTPException) as exc:
            return bytes(server.transcripts[-1]), type(exc)
        return transcript, outcomes

    assert await attempt(WireSmtpClient) == await attempt(aiosmtplib.SMTP)

"""Mailer over SMTP (aiosmtplib) with a small pool of reused connections.

A new connection per message costs 1.6x the CPU and a TCP+TLS handshake of latency; four reused
connections reach the client's CPU ceiling (performance-limits.md, c. Email). The connections are
`WireSmtpClient`s: a message already in wire form (the composer's are) is not rewritten again before DATA.
"""

import asyncio
import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import aiosmtplib

from adapters.mail.wire_smtp import WireSmtpClient
from application.ports import MailDeliveryError, OutgoingMail

log = logging.getLogger(__name__)

Security = Literal["opportunistic", "starttls", "tls"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("opportunistic", 25),  # plain, upgraded with STARTTLS when the server offers it
    "smtp+starttls": ("starttls", 587),  # STARTTLS required
    "smtps": ("tls", 465),  # implicit TLS
}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    security: Security = "opportunistic"
    pool_size: int = 4
    timeout: float = 10.0
    validate_certs: bool = True
    local_hostname: str | None = None
    max_rate: float | None = None  # messages per second over the whole pool; None = as fast as accepted

    def __repr__(self) -> str:
        # The password never reaches a log line, a traceback's locals or an error page.
        return f"SmtpSettings({self.redacted_url()!r})"

    __str__ = __repr__

    def redacted_url(self) -> str:
        scheme = next(name for name, (security, _) in _SCHEMES.items() if security == self.security)
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}?pool={self.pool_size}&timeout={self.timeout:g}"

    @classmethod
    def from_url(cls, url: str) -> "SmtpSettings":
        """`smtp://user:pass@host:port?pool=4&timeout=10&verify=1&helo=name&rate=800`.

        Errors name the part that is wrong, never the URL itself (it holds the password)."""
        parts = urlsplit(url)
        if parts.scheme not in _SCHEMES:
            raise ValueError(f"SMTP URL scheme must be one of {sorted(_SCHEMES)}, not {parts.scheme!r}")
        security, default_port = _SCHEMES[parts.scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise ValueError("SMTP URL port is not a number in 1-65535") from None
        if not parts.hostname:
            raise ValueError("SMTP URL has no host")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(params) - {"pool", "timeout", "verify", "helo", "rate"}
        if unknown:
            raise ValueError(f"unknown SMTP URL parameters: {sorted(unknown)}")
        settings = cls(
            host=parts.hostname,
            port=port,
            # an empty user name still makes aiosmtplib attempt AUTH, so it becomes None
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            security=security,
            pool_size=int(_number(params, "pool") or 4),
            timeout=_number(params, "timeout") or 10.0,
            validate_certs=_flag(params.get("verify", "1")),
            local_hostname=params.get("helo") or None,
            max_rate=_number(params, "rate"),
        )
        if "pool" in params and float(params["pool"]) != settings.pool_size:
            raise ValueError("SMTP pool must be a whole number")
        if not 1 <= settings.pool_size <= 64:
            raise ValueError("SMTP pool must be between 1 and 64")
        if settings.timeout <= 0 or (settings.max_rate is not None and settings.max_rate <= 0):
            raise ValueError("SMTP timeout and rate must be positive")
        return settings


def _number(params: dict[str, str], name: str) -> float | None:
    if name not in params:
        return None
    try:
        return float(params[name])
    except ValueError:
        raise ValueError(f"SMTP URL parameter {name} is not a number") from None


def _flag(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError("SMTP URL parameter verify must be true or false")


# A reply or error that means the server went away: the message was not taken, a fresh connection may
# take it. 421 is "service closing"; aiosmtplib closes the socket on it.
def _is_dropped(exc: Exception) -> bool:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code == 421
    return isinstance(exc, aiosmtplib.SMTPServerDisconnected | ConnectionError)


SMTPUTF8_MISSING = "the relay does not offer SMTPUTF8, which the non-ASCII address {} needs"


def _utf8(mail: OutgoingMail) -> list[str]:
    return ["SMTPUTF8"] if not (mail.recipient.isascii() and mail.envelope_from.isascii()) else []


def _delivery_error(exc: Exception) -> MailDeliveryError:
    # sendmail raises SMTPRecipientsRefused when every recipient (ours: the one) was refused at RCPT TO;
    # a refusal at MAIL FROM (SMTPSenderRefused) or after DATA (SMTPDataError: size, content) is about the
    # message or the sender, not the address.
    refused = exc.recipients[0] if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients else exc
    if isinstance(refused, aiosmtplib.SMTPRecipientRefused):
        return MailDeliveryError(f"SMTP {refused.code} at RCPT TO: {refused.message}", permanent=refused.code >= 500,
                                 code=refused.code, recipient_refused=True, reply=refused.message)  # fmt: skip
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return MailDeliveryError(f"SMTP {exc.code}: {exc}", permanent=exc.code >= 500, code=exc.code,
                                 reply=exc.message)  # fmt: skip
    # timeouts, refused or reset connections, TLS failures: the relay may take it later
    return MailDeliveryError(f"SMTP connection problem: {type(exc).__name__}: {exc}", permanent=False)


class SmtpMailer:
    """Mailer on an SMTP relay: up to `pool_size` connections, opened on demand, reused across messages
    and batches; `close()` QUITs them.

    A message whose connection drops (or that gets 421 to MAIL FROM or DATA) before the relay answered is
    sent again at once on a fresh connection, up to `reconnects` times with a short jittered backoff (a 421
    at RCPT TO comes back as that recipient's 4xx: the sender defers it). If the drop came after the
    relay stored the message but before it replied, that retry is a second copy: SMTP itself cannot tell
    the two cases apart. A relay that cannot be connected to, `reconnects` times in a row, gives a
    `relay_down` error: about the relay, not the message (also for a 5xx such as 535, bad credentials)."""

    def __init__(self, settings: SmtpSettings, *, reconnects: int = 3, reconnect_delay: float = 0.2,
                 rng: random.Random | None = None) -> None:  # fmt: skip
        self._settings = settings
        self.concurrency = settings.pool_size
        self._slots = asyncio.Semaphore(settings.pool_size)
        self._idle: list[aiosmtplib.SMTP] = []
        self._reconnects, self._reconnect_delay = reconnects, reconnect_delay
        self._rng = rng or random.Random()
        self.connections_opened = 0

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        async with self._slots:
            client = self._idle.pop() if self._idle else None
            if fresh_connection and client is not None:
                await _quit(client)
                client = None
            try:
                client, error = await self._deliver(client, mail)
            except BaseException:
                # cancelled mid-transaction: the connection's state is unknown, so it is not reused
                if client is not None:
                    client.close()
                raise
            if client is not None and client.is_connected:
                self._idle.append(client)
            return error

    async def send_many(self, mails: Sequence[OutgoingMail]) -> dict[uuid.UUID, MailDeliveryError | None]:
        """Every mail over the pool (the sender sends one at a time; this is for scripts and tests)."""
        results = await asyncio.gather(*(self.send(mail) for mail in mails))
        return {mail.delivery_id: error for mail, error in zip(mails, results, strict=True)}

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            await _quit(client)

    async def _deliver(
        self, client: aiosmtplib.SMTP | None, mail: OutgoingMail
    ) -> tuple[aiosmtplib.SMTP | None, MailDeliveryError | None]:
        failed_connects = drops = 0
        while True:
            if client is None or not client.is_connected:
                try:
                    client = await self._connect()
                except (aiosmtplib.SMTPException, OSError) as exc:
                    failed_connects += 1
                    log.warning("cannot connect to SMTP relay %s: %s", self._settings.host, type(exc).__name__)
                    if failed_connects > self._reconnects:
                        error = MailDeliveryError(f"cannot connect to SMTP relay: {exc}", permanent=False,
                                                  relay_down=True)  # fmt: skip
                        return None, error
                    await self._backoff(failed_connects)
                    continue
            try:
                await client.sendmail(mail.envelope_from, [mail.recipient], mail.data, mail_options=_utf8(mail))
                return client, None
            except aiosmtplib.SMTPNotSupported:  # asked for SMTPUTF8 (a non-ASCII address) and not offered
                return client, MailDeliveryError(SMTPUTF8_MISSING.format(mail.recipient), permanent=True)
            except (aiosmtplib.SMTPException, OSError) as exc:
                if not _is_dropped(exc):
                    return client, _delivery_error(exc)
                client.close()
                client = None
                drops += 1
                if drops > self._reconnects:
                    return None, _delivery_error(exc)
                log.info("SMTP connection to %s dropped; sending again on a new one", self._settings.host)
                if drops > 1:
                    await self._backoff(drops - 1)
            except ValueError as exc:  # aiosmtplib refuses an address it cannot send safely
                return client, MailDeliveryError(f"invalid address: {exc}", permanent=True)

    async def _backoff(self, attempt: int) -> None:
        ceiling = self._reconnect_delay * 2 ** (attempt - 1)
        await asyncio.sleep(ceiling / 2 + ceiling / 2 * self._rng.random())

    async def _connect(self) -> WireSmtpClient:
        s = self._settings
        client = WireSmtpClient(
            hostname=s.host,
            port=s.port,
            username=s.username,
            password=s.password,
            use_tls=s.security == "tls",
            start_tls={"opportunistic": None, "starttls": True, "tls": False}[s.security],
            timeout=s.timeout,
            validate_certs=s.validate_certs,
            local_hostname=s.local_hostname,
        )
        self.connections_opened += 1
        try:
            await client.connect()
        except BaseException:
            client.close()  # e.g. AUTH refused after the socket opened: do not leak it
            raise
        return client


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()

"""aiosmtplib's client, sending a message that is already in SMTP wire form as it is.

Before DATA, aiosmtplib runs two regular expressions over every message: one rewrites each line ending to
CRLF, one dot-stuffs lines that start with "."; when the relay announces SIZE (Postfix does), `sendmail`
runs the first one once more to count the octets. On the daily mail (35 KiB, about 450 lines) those passes
cost about 0.45 ms of CPU, three quarters of what aiosmtplib spends on the message, and change nothing:
the composer writes CRLF only, and no line of its messages starts with "." (headers, boundaries and base64).

`in_wire_form` proves that with a few array operations over the bytes (about 15 us); such a message goes
out through the same public commands aiosmtplib uses (MAIL, RCPT, DATA), with the same checks, errors and
RSET after a refusal. Any other message goes through aiosmtplib's own `sendmail`, unchanged.
"""

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import aiosmtplib
import numpy as np
from aiosmtplib.email import parse_address
from aiosmtplib.typing import Default


def in_wire_form(data: bytes) -> bool:
    """True when aiosmtplib's line-ending normalization and dot-stuffing would leave `data` as it is:
    every CR and every LF is part of a CRLF, the data ends with CRLF, and no line starts with "."."""
    if not data.endswith(b"\r\n") or data.startswith(b"."):
        return False
    # On an array: bytes.count(b"\r\n") and `b"\n." in data` take 30 us each on a 35 KiB mail, all this 15.
    octets = np.frombuffer(data, dtype=np.uint8)
    cr, lf = octets == 0x0D, octets == 0x0A
    # CR at i exactly where LF at i + 1 (the last octet is LF, so no CR is left out; LF at 0 has no CR)
    if lf[0] or not np.array_equal(cr[:-1], lf[1:]):
        return False
    return not np.any(lf[:-1] & (octets[1:] == 0x2E))  # "." after a line break


class WireSmtpClient(aiosmtplib.SMTP):
    """`aiosmtplib.SMTP` whose `sendmail` skips the rewriting passes for a message in wire form sent to one
    recipient; anything else is aiosmtplib's `sendmail` itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wire_lock = asyncio.Lock()
        self.wire_sends = 0  # messages that took the direct path (tests check it is the usual one)

    async def sendmail(
        self,
        sender: str,
        recipients: str | Sequence[str],
        message: str | bytes,
        /,
        *,
        mail_options: Iterable[str] | None = None,
        rcpt_options: Iterable[str] | None = None,
        timeout: float | Literal[Default.token] | None = Default.token,  # noqa: ASYNC109 (aiosmtplib's signature)
    ) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
        recipients = [recipients] if isinstance(recipients, str) else list(recipients)
        async with self._wire_lock:
            if len(recipients) != 1 or not isinstance(message, bytes) or not in_wire_form(message):
                return await super().sendmail(sender, recipients, message, mail_options=mail_options,
                                              rcpt_options=rcpt_options, timeout=timeout)  # fmt: skip
            return await self._send_wire(sender, recipients[0], message, list(mail_options or ()),
                                         list(rcpt_options or ()), deadline=timeout)  # fmt: skip

    async def _send_wire(
        self, sender: str, recipient: str, message: bytes, mail_options: list[str], rcpt_options: list[str], *,
        deadline: float | Literal[Default.token] | None,
    ) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:  # fmt: skip
        # What aiosmtplib 5.1.3's sendmail does for one recipient, in its order and with its errors.
        encoding = "utf-8" if any(option.lower() == "smtputf8" for option in mail_options) else "ascii"
        parse_address(sender)  # a bad address raises ValueError before anything is sent
        parse_address(recipient)
        await self._ehlo_or_helo_if_needed()
        if encoding == "utf-8" and not self.supports_extension("smtputf8"):
            raise aiosmtplib.SMTPNotSupported("SMTPUTF8 is not supported by this server")
        if self.supports_extension("size"):
            mail_options.insert(0, f"size={len(message)}")  # in wire form, the octets as transmitted
        try:
            await self.mail(sender, options=mail_options, encoding=encoding, timeout=deadline)
            refused = None
            try:
                await self.rcpt(recipient, options=rcpt_options, encoding=encoding, timeout=deadline)
            except aiosmtplib.SMTPRecipientRefused as exc:
                refused = exc
            if refused is not None:
                raise aiosmtplib.SMTPRecipientsRefused([refused])
            response = await self._data_as_is(message, deadline)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            with contextlib.suppress(ConnectionError, aiosmtplib.SMTPResponseException):
                await self.rset(timeout=deadline)  # a failed reset is not the error to report
            raise
        self.wire_sends += 1
        return {}, response.message

    async def _data_as_is(
        self, message: bytes, deadline: float | Literal[Default.token] | None
    ) -> aiosmtplib.SMTPResponse:
        """DATA, then the message and the final dot, as `SMTP.data` sends them but without rewriting."""
        protocol = self.protocol
        if protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        seconds = self.timeout if deadline is Default.token else deadline
        try:
            start = await protocol.execute_command(b"DATA", timeout=seconds)
            if start.code != aiosmtplib.SMTPStatus.start_input:
                raise aiosmtplib.SMTPDataError(start.code, start.message)
            # No await between the write and read_response: the reply cannot arrive before it is awaited.
            protocol.write(message + b".\r\n")
            response = await protocol.read_response(timeout=seconds)
            if response.code != aiosmtplib.SMTPStatus.completed:
                raise aiosmtplib.SMTPDataError(response.code, response.message)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
            self.close()
            raise
        return response

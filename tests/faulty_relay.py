"""An SMTP relay on 127.0.0.1 (aiosmtpd, in its own thread) with faults injected on purpose, which counts
every message it accepts by Message-ID: the ground truth of what a run really sent."""

import asyncio
import re
import socket
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


def one_in(n: int, salt: int = 0) -> Callable[[str], bool]:
    """A fixed choice of about one address in n (by a hash of the address)."""
    return lambda address: (zlib.crc32(address.encode()) + salt) % n == 0


@dataclass
class FaultyRelay:
    drop_every: int | None = None  # hang up at the next MAIL after every this many accepted messages
    refuse_for_now: Callable[[str], bool] = lambda _: False  # these recipients get `temporary_code` ...
    temporary_code: int = 451
    refusals_before_accepting: int = 1  # ... this many times, then are accepted
    closing_for_now: Callable[[str], bool] = lambda _: False  # these get one 421 ("closing") at RCPT
    refuse_for_good: Callable[[str], bool] = lambda _: False  # these get 550 at RCPT
    refuse_data: Callable[[str], bool] = lambda _: False  # for these, DATA gets 552 (message too large)
    data_delay: float = 0.0  # seconds before answering DATA (a slow relay)
    hold_rcpt: bool = False  # RCPT waits while this is set (then gets 451): messages stuck mid-transaction
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: Counter[str] = field(default_factory=Counter)  # Message-ID -> copies accepted
    recipients: Counter[str] = field(default_factory=Counter)  # address -> copies accepted
    refused: Counter[str] = field(default_factory=Counter)  # address -> temporary refusals given
    refused_for_good: Counter[str] = field(default_factory=Counter)  # address -> 550s given at RCPT
    closed: Counter[str] = field(default_factory=Counter)  # address -> 421s given at RCPT
    refused_data: Counter[str] = field(default_factory=Counter)  # address -> 552s given at DATA
    drops: int = 0
    held: int = 0
    _since_drop: int = 0

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.lock:
            drop = self.drop_every is not None and self._since_drop >= self.drop_every
            if drop:
                self._since_drop = 0
                self.drops += 1
        if drop:
            assert server.transport is not None
            server.transport.close()
            return "421 4.4.2 closing connection"  # never reaches the client: the socket is closed
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.hold_rcpt:
            with self.lock:
                self.held += 1
            while self.hold_rcpt:  # noqa: ASYNC110 (set from the test thread, not this loop)
                await asyncio.sleep(0.01)
            return "451 4.3.0 released"
        if self.refuse_for_good(address):
            with self.lock:
                self.refused_for_good[address] += 1
            return "550 5.1.1 no such user here"
        if self.closing_for_now(address):
            with self.lock:
                close = not self.closed[address]
                if close:
                    self.closed[address] += 1
            if close:  # the client hangs up on a 421, as RFC 5321 asks
                return "421 4.7.0 too many messages, closing connection"
        if self.refuse_for_now(address):
            with self.lock:
                refuse = self.refused[address] < self.refusals_before_accepting
                if refuse:
                    self.refused[address] += 1
            if refuse:
                return f"{self.temporary_code} 4.7.1 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if any(self.refuse_data(address) for address in envelope.rcpt_tos):
            with self.lock:
                self.refused_data.update(envelope.rcpt_tos)
            return "552 5.3.4 message size exceeds fixed limit"
        content = envelope.original_content
        assert isinstance(content, bytes)
        found = _MESSAGE_ID.search(content)
        assert found is not None, "a message without a Message-ID"
        with self.lock:
            self.accepted[found.group(1).decode()] += 1
            for address in envelope.rcpt_tos:
                self.recipients[address] += 1
            self._since_drop += 1
        return "250 2.0.0 accepted"

    def total(self) -> int:
        with self.lock:
            return sum(self.accepted.values())


def free_port() -> int:
    # aiosmtpd's Controller cannot take port=0 (aiosmtpd #276): ask the OS for a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(relay: FaultyRelay) -> Iterator[int]:
    """Serve `relay` on a free loopback port; yields the port."""
    controller = Controller(relay, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        relay.hold_rcpt = False
        controller.stop()

"""Sending throughput: the product's send path against bare aiosmtplib, to the same local SMTP sink.

    .venv/bin/python bench/mail.py [--mails 2000] [--pool 4] [--seed 7] [--rounds 2] [--sqlite]
        [--sink raw|aiosmtpd] [--dkim tests/fixtures/dkim/test-only-rsa2048.pem]

The sink runs in a child process, so this process's CPU time is the client's alone. By default it is a
minimal asyncio SMTP server (250 to every command, a C-level search for the final dot): fast enough that the
clients set the pace, so the ratio shows what the product costs over bare sending. `--sink aiosmtpd` uses
aiosmtpd instead, which is slower than both clients and hides the difference.
In this process, on the same number of connections:

(a) product: N planned deliveries (demo users, ten demo jobs each with reasons), each rendered, built and
    sent the way `RunSender` does, by `pool` workers: the mail's context with its signed click, open and
    unsubscribe links (`MailContexts`, one per `batch_size` deliveries as RunSender claims them), subject,
    HTML and text (Jinja2) and the MIME bytes (`JinjaMailComposer`; DKIM-signed with `--dkim`), a pacing
    slot (`SendPacer`), `SmtpMailer.send` over its connection pool.
    Database bookkeeping is left out of the ratio; `--sqlite` also times the whole `RunSender` with its
    claims, in-flight marks and outcomes in a SQLite file, for information;
(b) reference: the same N messages, built beforehand (not timed), sent with bare `aiosmtplib.SMTP.sendmail`
    by one task per connection.

Each round runs both, after a warm-up; the best round of each is printed: mails/s and CPU ms per mail
(process time / N). The last line is `ratio=<product mails/s / reference mails/s>`.
"""

import argparse
import asyncio
import dataclasses
import multiprocessing
import random
import socket
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosmtplib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.clock import FixedClock
from adapters.mail.composer import JinjaMailComposer
from adapters.mail.smtp import SmtpMailer, SmtpSettings
from adapters.reference_data.loader import BundledReferenceData
from adapters.sqlalchemy.mapping import start_mappers
from application.demo_data import DemoData, build_demo_data, store_demo_data
from application.links import LinkSigner
from application.mail_sending import MailContexts, RunSender, SendOptions, SendStats
from application.ports import OutgoingMail
from application.send_pacing import SendPacer, SendRates
from domain.campaign import Campaign, CampaignRun
from domain.delivery import DeliveryStatus, PlannedDelivery, PlannedMatch
from domain.job import Job
from domain.user import User

SENDER = "no-reply@mailscore.example.jp"
REASONS = ["自宅から約15分", "時給1,300円（希望より+200円）", "希望職種：カフェ"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SinkProtocol(asyncio.Protocol):
    """A minimal SMTP server: 250 to every command, 354 to DATA, 250 once the message's final dot arrives.
    Its own work is a few C-level byte searches per message, so neither side waits on it."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport, self.buffer, self.in_data = transport, bytearray(), False
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.buffer:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    del self.buffer[:-4]  # the end marker may straddle two reads
                    return
                del self.buffer[: end + 5]
                self.in_data = False
                self.transport.write(b"250 2.0.0 accepted\r\n")
                continue
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return
            verb = bytes(self.buffer[:4]).upper()
            del self.buffer[: line_end + 2]
            if verb in (b"EHLO", b"HELO"):
                self.transport.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.transport.write(b"354 end with <CRLF>.<CRLF>\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 ok\r\n")


def serve_sink(port: int, ready: "multiprocessing.synchronize.Event", kind: str = "raw") -> None:
    if kind == "aiosmtpd":  # a real SMTP server in Python: slower than either client, so it sets the pace
        from aiosmtpd.controller import Controller

        class Accept:
            async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
                return "250 2.0.0 accepted"

        controller = Controller(Accept(), hostname="127.0.0.1", port=port)
        controller.start()
        ready.set()
        while True:
            time.sleep(3600)

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(SinkProtocol, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


@dataclass
class World:
    campaign: Campaign
    run: CampaignRun
    users: dict[uuid.UUID, User]
    jobs: dict[uuid.UUID, Job]
    planned: list[PlannedDelivery]


def build_world(mails: int, seed: int, now: datetime) -> World:
    data = build_demo_data(BundledReferenceData(), mails, 500, seed, now)
    for user in data.users:
        user.email_opt_in, user.is_active = True, True
    return plan_for(data, seed, now)


def plan_for(data: DemoData, seed: int, now: datetime) -> World:
    rng = random.Random(seed)
    open_jobs = [job for job in data.jobs if job.is_open_at(now)]
    run = CampaignRun(campaign_id=data.campaign.id, run_date=now.date(), started_at=now)
    planned = []
    for user in data.users:
        matches = tuple(
            PlannedMatch(job.id, rank, 80.0 - rank, 70.0, 60.0, 50.0, REASONS, 3.2, 15)
            for rank, job in enumerate(rng.sample(open_jobs, 10), 1)
        )
        planned.append(PlannedDelivery(run.id, data.campaign.id, user.id, user.email, DeliveryStatus.PENDING,
                                       None, matches))  # fmt: skip
    return World(data.campaign, run, {u.id: u for u in data.users}, {j.id: j for j in open_jobs}, planned)


OPTIONS = SendOptions("https://mailscore.example.jp", "mailscore.example.jp", LinkSigner(b"k" * 32),
                      rates=SendRates(domains={}))  # fmt: skip


def composer_for(args: argparse.Namespace) -> JinjaMailComposer:
    """The product's composer; with `--dkim KEY`, signing each mail as a configured key does."""
    if args.dkim is None:
        return JinjaMailComposer(SENDER, "Mail Score")
    from adapters.mail.dkim_signer import DkimSigner

    signer = DkimSigner.from_file(args.dkim, "bench", SENDER.rpartition("@")[2])
    return JinjaMailComposer(SENDER, "Mail Score", sign=signer.sign)


async def product(
    port: int, world: World, pool: int, composer: JinjaMailComposer
) -> tuple[float, float, list[OutgoingMail]]:
    """Render, build and send each delivery as the sender does, on `pool` connections: the mail's context
    (signed click, open and unsubscribe links), Jinja2 subject/HTML/text, the MIME bytes, a pacing slot,
    `SmtpMailer.send`. Returns wall seconds, CPU seconds and the messages it built."""
    now = datetime.now(UTC)
    deliveries = [plan.as_delivery(now) for plan in world.planned]  # what a claim hands the sender
    mailer = SmtpMailer(SmtpSettings.from_url(f"smtp://127.0.0.1:{port}?pool={pool}&timeout=30"))
    pacer = SendPacer(OPTIONS.rates)
    built: list[OutgoingMail] = []
    # as RunSender does: one MailContexts per claimed batch (a job's card is read once per batch)
    pending = ((d, batch) for start in range(0, len(deliveries), OPTIONS.batch_size)
               for batch in [MailContexts(world.jobs, world.campaign, world.run.run_date, now, OPTIONS)]
               for d in deliveries[start : start + OPTIONS.batch_size])  # fmt: skip

    async def worker() -> None:
        for d, contexts in pending:
            context = contexts(d, world.users[d.user_id])
            mail = composer.compose(context)
            if (wait := pacer.reserve(mail.recipient)) > 0:
                await asyncio.sleep(wait)
            error = await mailer.send(mail)
            assert error is None, error
            built.append(mail)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(pool)))
    await mailer.close()  # QUIT is part of the work; the reference closes its connections too
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, built


async def with_sqlite(
    port: int, mails: int, seed: int, pool: int, directory: Path, composer: JinjaMailComposer
) -> tuple[float, float]:
    """The whole `RunSender`, its bookkeeping in a SQLite file (claim, re-check, in-flight mark, outcome
    per mail): for information, not in the ratio."""
    from adapters.sqlalchemy.engine import create_engine, create_session_factory
    from adapters.sqlalchemy.migrate import upgrade
    from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork

    now = datetime.now(UTC)
    url = f"sqlite+aiosqlite:///{directory / 'bench-mail.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    data = build_demo_data(BundledReferenceData(), mails, 500, seed, now)
    for user in data.users:
        user.email_opt_in, user.is_active = True, True
    await store_demo_data(uow, data)
    world = plan_for(data, seed, now)
    async with uow:
        run = await uow.deliveries.get_or_create_run(data.campaign.id, now.date(), now)
        await uow.deliveries.add_planned([dataclasses.replace(p, run_id=run.id) for p in world.planned])
        await uow.commit()
    mailer = SmtpMailer(SmtpSettings.from_url(f"smtp://127.0.0.1:{port}?pool={pool}&timeout=30"))
    sender = RunSender(uow, composer, mailer, FixedClock(now), OPTIONS)
    stats = SendStats()
    wall, cpu = time.perf_counter(), time.process_time()
    await sender.send_all(data.campaign, run, stats)
    await mailer.close()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await engine.dispose()
    assert stats.sent == mails, stats
    return wall, cpu


async def reference(port: int, messages: list[OutgoingMail], pool: int) -> tuple[float, float]:
    pending = iter(messages)
    sent = 0

    async def connection() -> None:
        nonlocal sent
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30, start_tls=False)
        await client.connect()
        for mail in pending:
            await client.sendmail(mail.envelope_from, [mail.recipient], mail.data)
            sent += 1
        await client.quit()

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(connection() for _ in range(pool)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert sent == len(messages)
    return wall, cpu


async def main(args: argparse.Namespace) -> None:
    start_mappers()  # as in every entrypoint: the domain classes are instrumented, which costs attribute reads
    port = free_port()
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=serve_sink, args=(port, ready, args.sink), daemon=True)
    sink.start()
    ready.wait(30)
    n = args.mails
    try:
        now = datetime.now(UTC)
        composer = composer_for(args)
        _, _, warm = await product(port, build_world(200, args.seed + 1, now), args.pool, composer)  # warm-up
        await reference(port, warm, args.pool)
        world = build_world(n, args.seed, now)
        best_p = best_r = (float("inf"), float("inf"))
        for round_ in range(args.rounds):
            p_wall, p_cpu, built = await product(port, world, args.pool, composer)
            r_wall, r_cpu = await reference(port, built, args.pool)
            print(f"round {round_ + 1}: product {n / p_wall:,.0f} mails/s {p_cpu / n * 1e3:.3f} CPU ms/mail; "
                  f"reference {n / r_wall:,.0f} mails/s {r_cpu / n * 1e3:.3f} CPU ms/mail")  # fmt: skip
            best_p, best_r = min(best_p, (p_wall, p_cpu)), min(best_r, (r_wall, r_cpu))
        if args.sqlite:
            with tempfile.TemporaryDirectory() as directory:
                s_wall, s_cpu = await with_sqlite(port, n, args.seed + 2, args.pool, Path(directory), composer)
            print(f"for information, RunSender with its bookkeeping in SQLite: {n / s_wall:,.0f} mails/s, "
                  f"{s_cpu / n * 1e3:.3f} CPU ms/mail")  # fmt: skip
    finally:
        sink.terminate()
        sink.join(10)
    size = sum(len(m.data) for m in built) / len(built)
    signed = f" DKIM-signed ({args.dkim.name})" if args.dkim else ""
    print(f"mails={n} pool={args.pool} mean message size={size / 1024:.1f} KiB{signed}")
    print(f"product:   {n / best_p[0]:,.0f} mails/s, {best_p[1] / n * 1e3:.3f} CPU ms/mail (render + MIME + send)")
    print(f"reference: {n / best_r[0]:,.0f} mails/s, {best_r[1] / n * 1e3:.3f} CPU ms/mail "
          "(bare aiosmtplib, messages built beforehand)")  # fmt: skip
    print(f"ratio={(n / best_p[0]) / (n / best_r[0]):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--pool", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sqlite", action="store_true", help="also time RunSender with SQLite bookkeeping")
    parser.add_argument("--dkim", type=Path, metavar="KEY.pem",
                        help="DKIM-sign every product mail with this RSA key (PEM)")
    parser.add_argument("--sink", choices=["raw", "aiosmtpd"], default="raw",
                        help="raw: a minimal asyncio SMTP sink (default); aiosmtpd: a Python SMTP server")
    asyncio.run(main(parser.parse_args()))

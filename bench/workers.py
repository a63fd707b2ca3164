"""The same sharded daily run with 1 and with 2 worker processes: mails/s for each and their ratio.

    .venv/bin/python bench/workers.py [--users 3000] [--jobs 4000] [--shard-size 150]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/0]

Needs PostgreSQL and Redis on this machine. A throwaway database (created next to --postgres, dropped at
the end) gets the demo data once; each trial then starts `mailscore worker --workers N` (taskiq's
supervisor and N child processes, on a stream of its own), waits until the N consumers are reading, and
times `mail run daily --via-workers` (StartShardedRun, then polling the run's progress) from the split to
the run's end: loading, scoring, planning, rendering and sending to an outbox, all inside the workers.
Between trials the run is deleted, so every trial plans and sends the same run from the same data.
Trials alternate (1, 2, 1, 2, ...) for `--rounds` rounds and each side's median counts: a run lasts a few
seconds on two cores shared with PostgreSQL and Redis, and one trial's figure moved by 20-30% from run to
run on a quiet machine (ratios 1.25-1.64 from single trials of the same code). Every trial is printed, and
the ratio of the best trials for comparison (it favours the noisier side, the 2-worker one).
Last line: `ratio=<median mails/s with 2 workers / median mails/s with 1 worker>`.
"""

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from redis.asyncio import Redis
from rich.console import Console
from sqlalchemy.engine import make_url

from application.demo_data import build_demo_data, store_demo_data
from application.ports import Clock, ReferenceData, UnitOfWork
from domain.jst import jst_date
from entrypoints.config import Settings
from entrypoints.ioc import make_container
from entrypoints.worker.follow import run_via_workers

ROOT = Path(__file__).resolve().parents[1]


async def admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def store_data(settings: Settings, users: int, jobs: int, seed: int) -> None:
    from adapters.sqlalchemy.migrate import upgrade

    await upgrade(settings.database_url)
    container = make_container(settings)
    try:
        reference, clock = await container.get(ReferenceData), await container.get(Clock)
        data = build_demo_data(reference, users, jobs, seed, clock.now())
        async with container() as request:
            await store_demo_data(await request.get(UnitOfWork), data)
    finally:
        await container.close()


async def drop_stream(redis_url: str, queue: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        await redis.delete(queue)
    finally:
        await redis.aclose()


async def forget_run(database_url: str, run_date: date) -> None:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DELETE FROM campaign_runs WHERE run_date = $1", run_date)
    finally:
        await connection.close()


def trial(settings: Settings, env: dict[str, str], processes: int, run_date: date, outbox: Path) -> tuple[int, float]:
    shutil.rmtree(outbox, ignore_errors=True)
    queue = f"bench-workers-{secrets.token_hex(4)}"
    settings = settings.with_overrides(queue_name=queue)
    log = outbox.parent / f"worker-{processes}.log"
    with log.open("w") as sink:
        worker = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker", "--workers", str(processes)],
            env={**env, "MAILSCORE_QUEUE_NAME": queue}, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        # Each child process logs this once its broker listens (a consumer shows in Redis only once it reads).
        while log.read_text().count("Listening started") < processes:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"workers did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        started = time.perf_counter()
        progress = asyncio.run(run_via_workers("daily", run_date, settings, Console(quiet=True), poll_seconds=0.05))
        seconds = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        asyncio.run(drop_stream(settings.redis_url or "", queue))
    files = len(list(outbox.glob("*.eml")))
    if not progress.finished or files != progress.sent:
        raise SystemExit(f"the run did not end as it should: {progress}, {files} files")
    return progress.sent, seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=3000)
    p.add_argument("--jobs", type=int, default=4000)
    p.add_argument("--shard-size", type=int, default=150)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    p.add_argument("--rounds", type=int, default=3, help="trials of each worker count, alternating; the median counts")
    a = p.parse_args()

    name = f"mailscore_bench_workers_{secrets.token_hex(4)}"
    asyncio.run(admin(a.postgres, f'CREATE DATABASE "{name}"'))
    database = make_url(a.postgres).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
    work = Path(tempfile.mkdtemp(prefix="mailscore-bench-workers-"))
    outbox = work / "outbox"
    secret = secrets.token_urlsafe(40)
    settings = Settings(database_url=database, redis_url=a.redis, outbox_dir=outbox, secret_key=secret,
                        shard_size=a.shard_size)  # fmt: skip
    env = {
        **os.environ, "MAILSCORE_DATABASE_URL": database, "MAILSCORE_REDIS_URL": a.redis,
        "MAILSCORE_OUTBOX_DIR": str(outbox), "MAILSCORE_SECRET_KEY": secret, "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    try:
        print(f"{a.users:,} users x {a.jobs:,} jobs, seed {a.seed}, shards of {a.shard_size} users", flush=True)
        asyncio.run(store_data(settings, a.users, a.jobs, a.seed))
        run_date = jst_date(datetime.now(UTC)) + timedelta(days=1)
        rates: dict[int, list[float]] = {1: [], 2: []}
        for round_no in range(1, a.rounds + 1):
            for processes in (1, 2):
                asyncio.run(forget_run(database, run_date))
                sent, seconds = trial(settings, env, processes, run_date, outbox)
                rates[processes].append(sent / seconds)
                print(f"round {round_no}, workers={processes}: {sent:,} mails in {seconds:.2f} s, "
                      f"mails/s={sent / seconds:.0f}", flush=True)  # fmt: skip
        middle = {n: statistics.median(r) for n, r in rates.items()}
        for n, r in rates.items():
            print(f"workers={n}: median mails/s={middle[n]:.0f} (all: {', '.join(f'{x:.0f}' for x in r)})")
        print(f"ratio of the best trials: {max(rates[2]) / max(rates[1]):.2f}")
        print(f"ratio={middle[2] / middle[1]:.2f}")
    finally:
        asyncio.run(admin(a.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

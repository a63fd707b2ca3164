"""Daily mail run end to end: demo data -> throwaway database -> RunDailyMail -> throwaway outbox.

    .venv/bin/python bench/daily_mail.py --users 100000 --jobs 50000 [--seed 7]
        [--database postgresql+asyncpg://postgres@127.0.0.1:5432/<db you created>] [--keep DIR]

The parent process builds the demo data and stores it the way `mailscore demo` does (schema by Alembic
upgrade, one unit of work, add everything, commit). The mail run then happens in a fresh child process, so
its peak memory (ru_maxrss) is the run's own and not inflated by the demo data the parent still held.

Stages printed: data build, store, loading (open jobs, audience, actions, context, signals, job table),
scoring+ranking (CPU seconds, in the planning process), writing plan (deliveries, matches, scores),
rendering+sending (to the outbox), mails/s, peak memory (the run process's VmHWM; with planning processes,
the tree by PSS),
and last `scoring_ranking_persisting_seconds=<x>`: wall time of the planning
phase (from the run's start to the start of sending), i.e. loading + scoring + ranking + writing the plan.
"""

import argparse
import asyncio
import contextlib
import gc
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.demo_data import build_demo_data, store_demo_data
from application.ports import Clock, ReferenceData, UnitOfWork
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand
from entrypoints.config import Settings
from entrypoints.ioc import make_container


def rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


def hwm_mib() -> float:
    """This process image's own peak RSS (VmHWM). ru_maxrss survives fork+exec on Linux, so in a child it can
    show the parent's peak; VmHWM belongs to the new address space and does not."""
    return _vm_kib("VmHWM:") / 1024.0 or rss_mib()


def _pss_kib(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _vm_kib(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """The peak physical memory of this process and its children, e.g. the forked planning processes.
    With children, the sum of their proportional set sizes (PSS), sampled: pages they share count once.
    Alone, this process's own peak RSS (VmHWM), which the kernel keeps exactly and for free: reading PSS
    makes the kernel walk every page of the process, about 40 ms at 1.5 GiB, and sampled five times a
    second it took a tenth of a core from the run it measured."""

    def __init__(self, interval: float = 0.2) -> None:
        self.peak_kib = 0
        self.sampled_children = False
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _children(self) -> list[str]:
        found: list[str] = []
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError):
                found += (task / "children").read_text().split()
        return found

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            children = self._children()
            if children:
                self.sampled_children = True
                total = _pss_kib("self") + sum(_pss_kib(pid) for pid in children)
                self.peak_kib = max(self.peak_kib, total)
            else:
                self.peak_kib = max(self.peak_kib, _vm_kib("VmHWM:"))

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if not self.sampled_children:
            self.peak_kib = max(self.peak_kib, _vm_kib("VmHWM:"))


class StageClock:
    """A ProgressReporter that records when each stage of the run starts and finishes, and says on stderr
    when planning is over (the figure the issue's bar is about), before the long sending stage."""

    def __init__(self, memory: "TreeMemory | None" = None) -> None:
        self.marks: dict[str, float] = {"run:start": time.perf_counter()}
        self._memory = memory

    def start(self, stage: str, total: int | None) -> None:
        self.marks[f"{stage}:start"] = time.perf_counter()
        if stage == "sending":
            peak = self._memory.peak_kib / 1024 / 1024 if self._memory else 0.0
            print(f"planning done: {self.marks[stage + ':start'] - self.marks['run:start']:.2f} s after the run's "
                  f"start; peak memory so far {peak:.2f} GiB", file=sys.stderr, flush=True)  # fmt: skip

    def advance(self, stage: str, amount: int = 1) -> None:
        pass

    def note(self, stage: str, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def finish(self, stage: str) -> None:
        self.marks[f"{stage}:finish"] = time.perf_counter()


async def build_and_store(args: argparse.Namespace, settings: Settings) -> dict[str, float]:
    from adapters.sqlalchemy.migrate import upgrade

    timings: dict[str, float] = {}
    started = time.perf_counter()
    await upgrade(settings.database_url)
    timings["schema"] = time.perf_counter() - started
    container = make_container(settings)
    try:
        reference = await container.get(ReferenceData)
        clock = await container.get(Clock)
        started = time.perf_counter()
        data = build_demo_data(reference, args.users, args.jobs, args.seed, clock.now())
        timings["data build"] = time.perf_counter() - started
        timings["actions"] = len(data.actions)
        started = time.perf_counter()
        async with container() as request:
            await store_demo_data(await request.get(UnitOfWork), data)
        timings["store"] = time.perf_counter() - started
    finally:
        await container.close()
    return timings


async def run_mail(settings: Settings) -> dict[str, object]:
    memory = TreeMemory()
    stages = StageClock(memory)
    container = make_container(settings, progress=stages)
    try:
        stages.marks["run:start"] = started = time.perf_counter()
        with memory:
            async with container() as request:
                run = await request.get(RunDailyMail)
                summary = await run(RunDailyMailCommand("daily"))
        total = time.perf_counter() - started
    finally:
        await container.close()
    plan_wall = stages.marks.get("sending:start", started + total) - started
    return {
        "users": summary.users,
        "jobs": summary.jobs,
        "loading": summary.loading_seconds,
        "scoring": summary.plan.scoring_seconds,
        "writing": summary.plan.writing_seconds,
        "sending": summary.send.seconds,
        "sent": summary.send.sent,
        "failed": summary.send.failed,
        "pairs_total": summary.plan.pairs_total,
        "pairs_scored": summary.plan.pairs_scored,
        "skipped": summary.plan.skipped,
        "status_counts": summary.status_counts,
        "plan_wall": plan_wall,
        "total": total,
        "rss_mib": hwm_mib(),
        "tree_pss_mib": memory.peak_kib / 1024.0,
        "ru_maxrss_mib": rss_mib(),
    }


def settings_for(database: str, outbox: Path, planning_processes: int = 0) -> Settings:
    return Settings(database_url=database, outbox_dir=outbox, secret_key="bench-only-not-a-secret",
                    planning_processes=planning_processes)  # fmt: skip


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--jobs", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--database", help="SQLAlchemy async URL; default: SQLite in a temporary directory")
    p.add_argument("--keep", type=Path, help="use this directory instead of a temporary one, and keep it")
    p.add_argument("--planning-processes", type=int, default=Settings().planning_processes,
                   help="forked planning processes, as MAILSCORE_PLANNING_PROCESSES (default: the product's)")
    p.add_argument("--run-only", action="store_true", help=argparse.SUPPRESS)  # child process
    p.add_argument("--outbox", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args()

    if a.run_only:
        result = asyncio.run(run_mail(settings_for(a.database, a.outbox, a.planning_processes)))
        print(json.dumps(result))
        return 0

    work = a.keep or Path(tempfile.mkdtemp(prefix="mailscore-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    database = a.database or f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
    outbox = work / "outbox"
    shutil.rmtree(outbox, ignore_errors=True)
    outbox.mkdir()
    try:
        print(f"{a.users:,} users x {a.jobs:,} jobs, seed {a.seed}, database {database.split('@')[-1]}, "
              f"planning processes {a.planning_processes}", flush=True)  # fmt: skip
        timings = asyncio.run(build_and_store(a, settings_for(database, outbox)))
        gc.collect()
        parent_rss = rss_mib()
        print(f"data build: {timings['data build']:.2f} s ({int(timings['actions']):,} actions); "
              f"schema {timings['schema']:.2f} s; store: {timings['store']:.2f} s; "
              f"builder peak RSS {parent_rss:.0f} MiB", flush=True)  # fmt: skip
        child = subprocess.run(
            [sys.executable, __file__, "--run-only", "--database", database, "--outbox", str(outbox),
             "--planning-processes", str(a.planning_processes)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if child.returncode:
            print(child.stdout, child.stderr, file=sys.stderr)
            return child.returncode
        r = json.loads(child.stdout.strip().splitlines()[-1])
        files = len(list(outbox.glob("*.eml")))
        pairs = r["pairs_total"]
        print(f"run: {r['users']:,} users, {r['jobs']:,} open jobs; statuses {r['status_counts']}; "
              f"skipped {r['skipped']}")
        print(f"  loading:           {r['loading']:8.2f} s")
        per_second = pairs / r["scoring"] / 1e6 if r["scoring"] else 0
        print(f"  scoring+ranking:   {r['scoring']:8.2f} s CPU ({per_second:.2f} M "
              f"pairs/s over U x J; {r['pairs_scored'] / pairs if pairs else 0:.1%} scored after pre-filter)")
        print(f"  writing plan:      {r['writing']:8.2f} s")
        print(f"  rendering+sending: {r['sending']:8.2f} s  ({r['sent']:,} sent, {r['failed']:,} failed, "
              f"{r['sent'] / r['sending'] if r['sending'] else 0:.0f} mails/s; {files:,} files in outbox)")
        print(f"  run total:         {r['total']:8.2f} s  ({r['sent'] / r['total'] if r['total'] else 0:.0f} mails/s "
              f"end to end)")
        print(f"peak memory of the mail run with its planning processes: {r['tree_pss_mib']:.0f} MiB "
              f"({r['tree_pss_mib'] / 1024:.2f} GiB: the process's VmHWM, or with planning processes the sum of PSS "
              f"sampled every 0.2 s)")
        print(f"peak RSS: mail run process {r['rss_mib']:.0f} MiB (VmHWM; ru_maxrss {r['ru_maxrss_mib']:.0f} MiB, may "
              f"include the parent's at fork); builder {parent_rss:.0f} MiB")
        print(f"scoring_ranking_persisting_seconds={r['plan_wall']:.2f}")
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

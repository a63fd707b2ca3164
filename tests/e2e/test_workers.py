"""Sharded runs on real worker processes, Redis streams and PostgreSQL: two workers share one run, and a
worker killed (SIGKILL) mid-shard has its shard finished by the other, every user with one delivery."""

import asyncio
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.test_mail_run_crash import Site, jst_day

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


class WorkerSite(Site):
    def __init__(self, tmp: Path, database_url: str, redis_url: str, prefix: str) -> None:
        super().__init__(tmp, database_url)
        self.redis_url, self.queue = redis_url, f"{prefix}{os.urandom(4).hex()}:queue"
        self.env |= {
            "MAILSCORE_REDIS_URL": redis_url, "MAILSCORE_QUEUE_NAME": self.queue, "MAILSCORE_SHARD_SIZE": "25",
            "MAILSCORE_SEND_BATCH_SIZE": "5", "MAILSCORE_REDELIVERY_SECONDS": "3",
            "MAILSCORE_CLAIM_TIMEOUT_SECONDS": "2",
        }  # fmt: skip

    def start_worker(self) -> subprocess.Popen[str]:
        # A session of its own: SIGKILL to the group takes taskiq's supervisor and its child together.
        return subprocess.Popen(self.command("worker", "--workers", "1"), cwd=self.tmp, env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def stream_pending(self) -> int:
        return asyncio.run(self._pending())

    async def _pending(self) -> int:
        from redis.asyncio import Redis

        redis = Redis.from_url(self.redis_url)
        try:
            summary = await redis.xpending(self.queue, f"{self.queue}:workers")
            return int(summary["pending"])
        except Exception:  # the stream or group does not exist yet
            return 0
        finally:
            await redis.aclose()

    def unfinished_shards_held_by(self, pids: set[int]) -> list[int]:
        """Shards whose tasks consumers of these processes hold (named host:pid:...) and the run has not
        recorded as done."""
        held = asyncio.run(self._held_by(pids))
        done = {int(n) for (n,) in self.query("SELECT shard_no FROM run_shards WHERE status = 'done'")}
        return [n for n in held if n not in done]

    async def _held_by(self, pids: set[int]) -> list[int]:
        from redis.asyncio import Redis

        redis = Redis.from_url(self.redis_url)
        try:
            group = f"{self.queue}:workers"
            shards = []
            for entry in await redis.xpending_range(self.queue, group, "-", "+", 100):
                if int(entry["consumer"].decode().split(":")[1]) in pids:
                    [(_, fields)] = await redis.xrange(self.queue, entry["message_id"], entry["message_id"])
                    task = json.loads(fields[b"data"])
                    if task["task_name"] == "mail.run_shard":  # run_shard(run_id, shard_no)
                        shards.append(int(task["args"][1]))
            return shards
        finally:
            await redis.aclose()


def group_pids(leader: subprocess.Popen[str]) -> set[int]:
    """The worker's processes: taskiq's supervisor (the session leader) and the worker process it started."""
    listed = subprocess.run(["pgrep", "-g", str(leader.pid)], capture_output=True, text=True).stdout
    return {int(pid) for pid in listed.split()}


@pytest.fixture
def workers_site(tmp_path: Path, empty_postgres_url: str, redis_url: str, redis_key_prefix: str) -> WorkerSite:
    site = WorkerSite(tmp_path, empty_postgres_url, redis_url, redis_key_prefix)
    site.run("demo", "--users", "400", "--jobs", "800", "--database", site.url, "--outbox", str(tmp_path / "outbox0"))
    return site


def stop(worker: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    out, _ = worker.communicate(timeout=60)
    return out


def shard_count(follow_output: str) -> int:
    found = re.search(r"(\d+) shards, \1 queued", follow_output)
    assert found, follow_output
    assert int(found[1]) > 4, "too few shards to share"
    return int(found[1])


def shards_done_by(log: str) -> set[int]:
    return {int(n) for n in re.findall(r"shard (\d+) of run \S+ done by worker", log)}


def test_two_workers_share_one_run_and_every_user_gets_one_delivery(workers_site: WorkerSite) -> None:
    site, day = workers_site, jst_day(1)
    workers = [site.start_worker() for _ in range(2)]
    try:
        follow = site.run("mail", "run", "daily", "--date", day, "--via-workers")
    finally:
        logs = [stop(w) for w in workers]
    shards = shard_count(follow.stdout)
    assert f"run finished: shards {shards}/{shards}" in follow.stdout, follow.stdout
    counts = site.check_run(day)
    assert len(site.files()) == counts["sent"]
    first, second = (shards_done_by(log) for log in logs)
    assert first, "one worker did every shard: the run was not shared\n" + "\n".join(logs)
    assert second, "one worker did every shard: the run was not shared\n" + "\n".join(logs)
    assert first | second == set(range(shards))
    assert not first & second


def test_a_worker_killed_mid_shard_has_its_shard_finished_by_the_other(workers_site: WorkerSite) -> None:
    site, day = workers_site, jst_day(1)
    victim, survivor = site.start_worker(), site.start_worker()
    follow = site.start("mail", "run", "daily", "--date", day, "--via-workers")
    try:
        deadline = time.monotonic() + 120
        # Both workers busy (two unacknowledged tasks), the victim is frozen (SIGSTOP) and killed only if it
        # holds a shard the run has not recorded as done: frozen, it cannot finish it between look and kill.
        while True:
            assert follow.poll() is None, "the run ended before a worker could be killed"
            assert time.monotonic() < deadline, "never saw the victim mid-shard"
            if site.stream_pending() == 2 and site.files():
                os.killpg(victim.pid, signal.SIGSTOP)
                killed_shards: list[int] = []
                try:
                    time.sleep(0.2)  # what it had already written reaches Redis and PostgreSQL before the look
                    killed_shards = site.unfinished_shards_held_by(group_pids(victim))
                finally:
                    if not killed_shards:
                        os.killpg(victim.pid, signal.SIGCONT)
                if killed_shards:
                    break
            time.sleep(0.01)
        stop(victim, signal.SIGKILL)
        out, err = follow.communicate(timeout=180)
    finally:
        if victim.returncode is None:  # a look failed: a frozen worker group would be left for good
            stop(victim, signal.SIGKILL)
        if follow.poll() is None:
            follow.kill()
            follow.communicate()
        survivor_log = stop(survivor)
    assert follow.returncode == 0, err[-3000:] + out[-3000:]
    shards = shard_count(out)
    assert f"run finished: shards {shards}/{shards}" in out, out
    # The shard it held at its death could only be finished by the survivor, after taking it over.
    assert "reclaimed task" in survivor_log, "the killed worker's shard was not redelivered\n" + survivor_log
    assert set(killed_shards) <= shards_done_by(survivor_log), (killed_shards, survivor_log)
    counts = site.check_run(day)
    assert len(site.files()) == counts["sent"]

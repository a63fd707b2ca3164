"""The daily mail run as real processes: killed mid-send and resumed, or run twice at once, every user of
the audience still ends with exactly one delivery and every sent delivery with exactly one outbox file."""

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret-key-0123456789-abcdefghijkl"


def jst_day(offset_days: int) -> str:
    return (datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=offset_days)).isoformat()


class Site:
    """A demo site in a temporary folder, on SQLite or on a fresh PostgreSQL database."""

    def __init__(self, tmp: Path, database_url: str | None = None) -> None:
        self.tmp, self.outbox = tmp, tmp / "outbox"
        self.url = database_url or f"sqlite+aiosqlite:///{tmp / 'db.sqlite3'}"
        self.env = {
            **os.environ, "MAILSCORE_DATABASE_URL": self.url, "MAILSCORE_OUTBOX_DIR": str(self.outbox),
            "MAILSCORE_CLAIM_TIMEOUT_SECONDS": "1", "MAILSCORE_SEND_BATCH_SIZE": "20",
            "MAILSCORE_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT),
        }  # fmt: skip

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "entrypoints.cli", *args]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(self.command(*args), cwd=self.tmp, env=self.env, capture_output=True, text=True,
                              timeout=300, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
        return done

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(self.command(*args), cwd=self.tmp, env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip

    def files(self) -> set[str]:
        return {uuid.UUID(p.stem).hex for p in self.outbox.glob("*.eml")} if self.outbox.exists() else set()

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        """Rows of a query written with $1, $2 placeholders, on whichever database the site uses."""
        if self.url.startswith("sqlite"):
            path = self.url.split(":///", 1)[1]
            with sqlite3.connect(path) as db:
                return db.execute(re.sub(r"\$\d+", "?", sql), params).fetchall()
        return asyncio.run(_pg_query(self.url, sql, params))

    def check_run(self, run_date: str) -> dict[str, int]:
        day = date.fromisoformat(run_date)
        [(run_id,)] = self.query(
            "SELECT r.id FROM campaign_runs r JOIN email_campaigns c ON c.id = r.campaign_id"
            " WHERE c.name = 'daily' AND r.run_date = $1", day if self.url.startswith("postgresql") else run_date)
        [(rows, users)] = self.query(
            "SELECT count(*), count(DISTINCT user_id) FROM email_logs WHERE run_id = $1", run_id)
        [(audience,)] = self.query("SELECT count(*) FROM users WHERE is_active AND email_opt_in")
        [(missing,)] = self.query(
            "SELECT count(*) FROM users u WHERE u.is_active AND u.email_opt_in AND NOT EXISTS"
            " (SELECT 1 FROM email_logs l WHERE l.run_id = $1 AND l.user_id = u.id)", run_id)
        counts = {str(k): int(v) for k, v in self.query(  # type: ignore[call-overload]
            "SELECT status, count(*) FROM email_logs WHERE run_id = $1 GROUP BY status", run_id)}
        sent = {uuid.UUID(str(i)).hex for (i,) in self.query(
            "SELECT id FROM email_logs WHERE run_id = $1 AND status = 'sent'", run_id)}  # fmt: skip
        assert rows == users == audience, (rows, users, audience)
        assert missing == 0
        assert not counts.get("pending"), counts
        assert sent, "nothing was sent: the test proves nothing"
        assert sent <= self.files(), "a sent delivery has no outbox file"
        assert len(sent) == counts["sent"]
        return counts


async def _pg_query(url: str, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return [tuple(r) for r in await connection.fetch(sql, *params)]
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Site:
    url = request.getfixturevalue("empty_postgres_url") if request.param == "postgresql" else None
    place = Site(tmp_path, url)
    place.run("demo", "--users", "400", "--jobs", "800", "--database", place.url, "--outbox", str(tmp_path / "outbox0"))
    return place


def test_a_run_killed_while_sending_resumes_without_duplicates_or_gaps(site: Site) -> None:
    day = jst_day(1)
    process = site.start("mail", "run", "daily", "--date", day)
    deadline = time.monotonic() + 120
    while not site.files():
        assert process.poll() is None, "the run ended before its first mail: nothing to interrupt"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    before = len(site.files())
    site.run("mail", "run", "daily", "--date", day)
    counts = site.check_run(day)
    assert len(site.files()) == counts["sent"]
    print(f"killed after {before} files; resumed to {counts}")


def test_two_runs_at_once_share_the_work(site: Site) -> None:
    day = jst_day(1)
    processes = [site.start("mail", "run", "daily", "--date", day) for _ in range(2)]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:] + out[-3000:]
    counts = site.check_run(day)
    assert len(site.files()) == counts["sent"]

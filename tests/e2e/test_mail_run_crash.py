"""The daily mail run as real processes: killed mid-send and resumed, or run twice at once, every user of
the audience still ends with exactly one delivery and every sent delivery with exactly one outbox file."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret-key-0123456789-abcdefghijkl"


def jst_day(offset_days: int) -> str:
    return (datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=offset_days)).isoformat()


class Site:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.db, self.outbox = tmp, tmp / "db.sqlite3", tmp / "outbox"
        self.url = f"sqlite+aiosqlite:///{self.db}"
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

    def check_run(self, run_date: str) -> dict[str, int]:
        with sqlite3.connect(self.db) as db:
            [(run_id,)] = db.execute(
                "SELECT r.id FROM campaign_runs r JOIN email_campaigns c ON c.id = r.campaign_id"
                " WHERE c.name = 'daily' AND r.run_date = ?", (run_date,)).fetchall()  # fmt: skip
            rows, users = db.execute(
                "SELECT count(*), count(DISTINCT user_id) FROM email_logs WHERE run_id = ?", (run_id,)
            ).fetchone()
            [(audience,)] = db.execute("SELECT count(*) FROM users WHERE is_active AND email_opt_in").fetchall()
            missing = db.execute(
                "SELECT count(*) FROM users u WHERE u.is_active AND u.email_opt_in AND NOT EXISTS"
                " (SELECT 1 FROM email_logs l WHERE l.run_id = ? AND l.user_id = u.id)", (run_id,)
            ).fetchone()[0]
            counts = dict(db.execute("SELECT status, count(*) FROM email_logs WHERE run_id = ? GROUP BY status",
                                     (run_id,)).fetchall())  # fmt: skip
            sent = {uuid.UUID(hex=str(i)).hex for (i,) in db.execute(
                "SELECT id FROM email_logs WHERE run_id = ? AND status = 'sent'", (run_id,))}  # fmt: skip
        assert rows == users == audience, (rows, users, audience)
        assert missing == 0
        assert not counts.get("pending"), counts
        assert sent, "nothing was sent: the test proves nothing"
        assert sent <= self.files(), "a sent delivery has no outbox file"
        assert len(sent) == counts["sent"]
        return counts


@pytest.fixture
def site(tmp_path: Path) -> Site:
    place = Site(tmp_path)
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

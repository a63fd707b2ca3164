"""Real time across processes on PostgreSQL and Redis: a user's WebSocket on one API process receives what a
worker computed from changes made through another API process and from a job import, and a reconnecting
client is replayed only what it missed."""

import json
import os
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.e2e.test_http_serve import _free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[2]
CAFE = {"title": "新宿駅前カフェ", "jobType": "カフェ", "hourlyWage": 1600, "stationCode": "003672",
        "walkingMinutes": 2}  # fmt: skip
JOBS = (
    "external_id,title,company_name,job_type,hourly_wage,station_name,walking_minutes,expires_on\n"
    "rt1,渋谷駅前カフェスタッフ,株式会社リアルタイム,カフェ,1600,渋谷,3,2099-12-31\n"
)


class Cluster:
    def __init__(self, tmp: Path, database_url: str, redis_url: str, prefix: str) -> None:
        self.tmp = tmp
        self.env = {
            **os.environ, "MAILSCORE_DATABASE_URL": database_url, "MAILSCORE_REDIS_URL": redis_url,
            "MAILSCORE_QUEUE_NAME": f"{prefix}{os.urandom(4).hex()}", "MAILSCORE_SECRET_KEY": "r" * 40,
            "MAILSCORE_ALERT_THRESHOLD": "30", "MAILSCORE_OUTBOX_DIR": str(tmp / "outbox"), "PYTHONPATH": str(ROOT),
        }  # fmt: skip
        self.processes: list[subprocess.Popen[bytes]] = []

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], env=self.env, cwd=self.tmp,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    def start(self, *args: str) -> None:
        self.processes.append(subprocess.Popen([sys.executable, "-m", "entrypoints.cli", *args], env=self.env,
                                               cwd=self.tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                               start_new_session=True))  # fmt: skip

    def api(self) -> str:
        port = _free_port()
        self.start("serve", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/health", timeout=1)
                return url
            except httpx.TransportError:
                assert time.monotonic() < deadline, "an API process did not start"
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in self.processes:
            process.wait(timeout=60)


def next_event(socket: ClientConnection, kind: str, seen: list[dict[str, object]]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        seen.append(json.loads(socket.recv(timeout=max(deadline - time.monotonic(), 0.1))))
        if seen[-1]["type"] == kind:
            return seen[-1]


@pytest.fixture
def cluster(tmp_path: Path, empty_postgres_url: str, redis_url: str, redis_key_prefix: str):  # type: ignore[no-untyped-def]
    place = Cluster(tmp_path, empty_postgres_url, redis_url, redis_key_prefix)
    place.cli("db", "upgrade")
    yield place
    place.stop()


def login(api: str, email: str, password: str = "correct horse battery") -> dict[str, str]:
    token = httpx.post(f"{api}/api/v1/auth/login", json={"email": email, "password": password}).json()
    return {"Authorization": f"Bearer {token['accessToken']}"}


def test_a_job_posted_through_one_api_reaches_a_socket_on_another(cluster: Cluster) -> None:
    first, second = cluster.api(), cluster.api()
    cluster.start("worker", "--workers", "1")
    for email in ("rt@example.jp", "shop@example.jp"):
        response = httpx.post(
            f"{first}/api/v1/auth/register", json={"email": email, "password": "correct horse battery"}
        )
        assert response.status_code == 201
    cluster.cli("users", "grant", "shop@example.jp", "employer", "--company", "株式会社リアルタイム")
    seeker, employer = login(first, "rt@example.jp"), login(first, "shop@example.jp")
    token = seeker["Authorization"].split()[1]
    ws = second.replace("http://", "ws://") + "/ws"
    with connect(f"{ws}?token={token}") as socket:
        assert (
            httpx.put(f"{first}/api/v1/me/address", json={"postalCode": "1600022"}, headers=seeker).status_code == 200
        )
        prefs = {"jobTypes": ["カフェ"], "maxCommuteMinutes": 60, "minHourlyWage": 1100, "instantAlerts": True}
        assert httpx.put(f"{first}/api/v1/me/preferences", json=prefs, headers=seeker).status_code == 200
        seen: list[dict[str, object]] = []
        next_event(socket, "matches_updated", seen)
        posted = httpx.post(f"{first}/api/v1/jobs", json=CAFE, headers=employer)
        assert posted.status_code == 201, posted.text
        alert = next_event(socket, "job_alert", seen)
        cluster.cli("import", "jobs", str(_write(cluster.tmp / "jobs.csv", JOBS)))  # an import alerts too
        imported = next_event(socket, "job_alert", seen)
    assert alert["jobs"][0]["jobId"] == posted.json()["id"]  # type: ignore[index]
    assert imported["jobs"][0]["title"] == "渋谷駅前カフェスタッフ"  # type: ignore[index]
    # The seeker asked for instant alerts: the worker mailed the posted job, and only it (one a day).
    outbox, deadline = cluster.tmp / "outbox", time.monotonic() + 30
    while not list(outbox.glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.1)
    (mail,) = outbox.glob("*.eml")
    subject = message_from_bytes(mail.read_bytes(), policy=policy.default)["Subject"]
    assert subject.startswith("【新着求人のお知らせ】新宿駅前カフェ")
    # Reconnecting with the id of an event it has: only what came after it is replayed.
    with connect(f"{ws}?token={token}&after={alert['id']}") as again:
        replayed = json.loads(again.recv(timeout=10))
    assert replayed["id"] == imported["id"]
    with pytest.raises(Exception), connect(f"{ws}?token=forged") as refused:  # noqa: B017
        refused.recv(timeout=10)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

"""HTTP API throughput: a product route against a bare Litestar route, both served by uvicorn on this machine.

    .venv/bin/python bench/api.py [--seconds 10] [--connections 32] [--redis redis://127.0.0.1:6379/15 | --in-process]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Needs Redis: the issue's reference is a bare route doing one Redis GET, and the product then keeps its matches
cache and rate-limit counts in the same Redis, as it does when deployed with several processes. `--redis`
defaults to $MAILSCORE_BENCH_REDIS_URL or redis://127.0.0.1:6379/15 (keys under a per-run prefix; the
reference's one key is overwritten). `--in-process` runs both without Redis instead: the product on its
in-process cache and counts, the reference answering the bytes with no I/O at all (a bare route, not the
issue's reference).

Needs `wrk` (Debian: `apt-get install wrk`) as the load generator.

1. A demo database (`mailscore demo --users 200 --jobs 1000`): a SQLite file in a throwaway folder, or with
   `--postgres ADMIN_URL` a throwaway PostgreSQL database created next to it and dropped at the end.
2. `mailscore serve` (1 uvicorn worker) on it; a user registers and logs in; the product route is
   `GET /api/v1/me/matches?limit=20` with a warm cache (the user lives in Shinjuku; the first call ranks), or
   with `--route job` `GET /api/v1/jobs/{id}`, with the bearer token: guard (JWT), the rate limits (raised
   so they never refuse, but counted), dishka request scope, the cache or database read, msgspec encoding,
   Prometheus metrics. Unless `--in-process`, the server uses Redis (the matches cache, and shared
   rate-limit counts: one Lua call a request).
3. The reference: `bench/api_reference.py`, a bare Litestar app with one route doing the same I/O (one
   Redis GET unless `--in-process`; with `--route job` also one primary-key read of that job row from the
   same database, raw SQL on a held aiosqlite connection) and answering bytes of the product answer's size,
   served by uvicorn with the same options. So the ratio is what our stack costs on top of the work itself.
   With `--route ping` the product route is `GET /api/v1/admin/ping` (an admin's token: auth, rate limits,
   DI, metrics, no storage) and the reference reads nothing: what our HTTP stack costs around a cached read.
4. wrk against each in turn, both servers up, for `--rounds` alternating rounds (same threads, connections,
   duration; a short warm-up of each first), each side's median round counting: on two cores shared with wrk
   (and Redis) one 8 s run of the same server moved by 20-40% from run to run. Requests/s and
   latency p50/p99 for both, and last `ratio=<product requests/s / reference requests/s>`.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
NO_LIMIT = "100000000/minute"  # counted, never refusing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start-up (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no answer from {url} within {timeout} s")


def call(
    url: str, body: dict[str, object] | None = None, headers: dict[str, str] | None = None, method: str | None = None
) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})},
                                     method=method)  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as answer:
        return bytes(answer.read())


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    """Requests/s and latency percentiles (ms) from one wrk run; non-2xx answers abort the benchmark."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{url} answered errors under load:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50": _latency_ms(out, "50%"), "p99": _latency_ms(out, "99%")}


def _latency_ms(out: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs of each server, alternating; the median counts")
    parser.add_argument("--route", choices=("matches", "job", "ping"), default="matches",
                        help="matches: GET /api/v1/me/matches, warm cache (default); job: GET /api/v1/jobs/{id} (a "
                        "database read); ping: GET /api/v1/admin/ping (no storage)")
    store = parser.add_mutually_exclusive_group()
    store.add_argument("--redis", default=os.environ.get("MAILSCORE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
                       help="Redis URL for both servers, a database you may write to (default: "
                       "$MAILSCORE_BENCH_REDIS_URL or redis://127.0.0.1:6379/15)")  # fmt: skip
    store.add_argument("--in-process", action="store_true",
                       help="no Redis: in-process cache and counts; the reference does no I/O")  # fmt: skip
    parser.add_argument("--postgres", help="a PostgreSQL URL with the right to create and drop databases")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    if options.in_process:
        options.redis = None
    else:
        reachable(options.redis)
    work = Path(tempfile.mkdtemp(prefix="mailscore-bench-api-"))
    name = f"mailscore_bench_api_{os.getpid()}"
    try:
        if options.postgres:
            admin(options.postgres, f'CREATE DATABASE "{name}"')
            database = urlunsplit(urlsplit(options.postgres)._replace(path=f"/{name}"))
        else:
            database = f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
        run(options, work, database)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if options.postgres:
            admin(options.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reachable(url: str) -> None:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        with Redis.from_url(url, socket_connect_timeout=2) as client:
            client.ping()
    except (RedisError, ValueError) as exc:
        raise SystemExit(f"Redis at {url} does not answer ({exc}): start it, pass --redis URL, or --in-process "
                         "to compare without Redis (against a reference that does no I/O)") from None


def admin(url: str, statement: str) -> None:
    import asyncio

    import asyncpg

    async def execute() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(execute())


def run(options: argparse.Namespace, work: Path, database: str) -> None:
    # Only what this run chooses: no MAILSCORE_ setting of the caller's (a Redis URL, limits, proxies, cache
    # lifetimes) reaches either server.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MAILSCORE_")}
    env = {**inherited, "MAILSCORE_DATABASE_URL": database, "MAILSCORE_SECRET_KEY": "b" * 48,
           "MAILSCORE_OUTBOX_DIR": str(work / "outbox"), "MAILSCORE_RATE_LIMIT_IP": NO_LIMIT,
           "MAILSCORE_RATE_LIMIT_USER": NO_LIMIT, "MAILSCORE_RATE_LIMIT_GLOBAL": NO_LIMIT}  # fmt: skip
    if options.redis:
        env |= {"MAILSCORE_REDIS_URL": options.redis, "MAILSCORE_REDIS_PREFIX": f"mailscore-bench-{os.getpid()}:",
                "MAILSCORE_BENCH_REDIS_URL": options.redis}  # fmt: skip
    subprocess.run([VENV_BIN / "mailscore", "demo", "--users", "200", "--jobs", "1000", "--database", database,
                    "--outbox", str(work / "outbox")], cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start([str(VENV_BIN / "mailscore"), "serve", "--port", str(port)], env, work / "serve.log")
    try:
        wait_until_up(f"{base}/health", server)
        call(f"{base}/api/v1/auth/register", {"email": "bench@example.jp", "password": "bench password 1"})
        if options.route == "ping":  # an admin route: the account becomes an admin before logging in
            subprocess.run([VENV_BIN / "mailscore", "users", "grant", "bench@example.jp", "admin"], cwd=ROOT,
                           env=env, check=True, capture_output=True)  # fmt: skip
        session = json.loads(call(f"{base}/api/v1/auth/login", {"email": "bench@example.jp",
                                                                   "password": "bench password 1"}))  # fmt: skip
        bearer = {"Authorization": f"Bearer {session['accessToken']}"}
        page = json.loads(call(f"{base}/api/v1/jobs?limit=1", headers=bearer))
        job_id = str(page["items"][0]["id"])
        product_url = {"job": f"{base}/api/v1/jobs/{job_id}", "ping": f"{base}/api/v1/admin/ping",
                       "matches": f"{base}/api/v1/me/matches?limit=20"}[options.route]  # fmt: skip
        if options.route == "matches":  # a home in Shinjuku (the demo's jobs are at real stations); first call ranks
            call(f"{base}/api/v1/me/address", {"postalCode": "160-0022"}, bearer, method="PUT")
            if not json.loads(call(product_url, headers=bearer))["items"]:
                raise SystemExit("the bench user has no matches")
        size = len(call(product_url, headers=bearer))
        reference_database = database if options.postgres else str(work / "bench.sqlite3")
        env |= {"MAILSCORE_BENCH_PAYLOAD_BYTES": str(size), "MAILSCORE_BENCH_DATABASE": reference_database,
                "MAILSCORE_BENCH_JOB_ID": job_id, "MAILSCORE_BENCH_READ_ROW": "1" if options.route == "job" else "0"}
        port = free_port()
        reference_url = f"http://127.0.0.1:{port}/reference"
        # The same uvicorn options as `mailscore serve` (entrypoints/commands.py): one worker, info log level.
        reference_server = start([str(VENV_BIN / "uvicorn"), "bench.api_reference:create_app", "--factory",
                                  "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "info",
                                  "--no-proxy-headers"], env, work / "reference.log")  # fmt: skip
        try:
            wait_until_up(reference_url, reference_server)
            if len(call(reference_url)) != size:
                raise SystemExit("the reference answer is not the product's size")
            # Both servers are up (the idle one costs nothing); they take turns, warmed up first, and each
            # side's median round counts.
            wrk(product_url, 2, options.connections, bearer)
            wrk(reference_url, 2, options.connections, {})
            product_rounds, reference_rounds = [], []
            for _ in range(options.rounds):
                product_rounds.append(wrk(product_url, options.seconds, options.connections, bearer))
                reference_rounds.append(wrk(reference_url, options.seconds, options.connections, {}))
        finally:
            stop(reference_server)
    finally:
        stop(server)
    product = sorted(product_rounds, key=lambda figures: figures["rps"])[len(product_rounds) // 2]
    reference = sorted(reference_rounds, key=lambda figures: figures["rps"])[len(reference_rounds) // 2]

    store = "Redis" if options.redis else "in-process"
    engine = "PostgreSQL" if options.postgres else "SQLite"
    print(f"answer size: {size} bytes; wrk -t1 -c{options.connections} -d{options.seconds}s, median of "
          f"{options.rounds} alternating rounds; database: {engine}; rate-limit counts and cache: {store}")
    for name, rounds in (("product", product_rounds), ("reference", reference_rounds)):
        rates = ", ".join(str(round(figures["rps"])) for figures in rounds)
        print(f"{name} rounds: {rates} req/s")
    route, work_done = {"job": ("GET /api/v1/jobs/{id}", " + row read"), "ping": ("GET /api/v1/admin/ping", ""),
                        "matches": ("GET /api/v1/me/matches (warm)", "")}[options.route]  # fmt: skip
    if options.redis:
        work_done += " + one Redis GET"
    rows = ((f"product   {route}", product), (f"reference bare Litestar{work_done}", reference))
    for name, figures in rows:
        print(f"{name}: {figures['rps']:.0f} req/s, p50 {figures['p50']:.2f} ms, p99 {figures['p99']:.2f} ms")
    print(f"ratio={product['rps'] / reference['rps']:.2f}")


if __name__ == "__main__":
    main()

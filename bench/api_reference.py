"""The reference app for bench/api.py: bare Litestar, one GET route doing the product route's own I/O.

Per request: with MAILSCORE_BENCH_REDIS_URL set, one Redis GET of the answer's bytes (for `--route matches`
the issue's reference; for the other routes the product's rate-limit round trip), and with
MAILSCORE_BENCH_READ_ROW=1 (`--route job`) one primary-key read of a job row from the same database (raw SQL:
one aiosqlite connection held open for SQLite, an asyncpg pool for PostgreSQL); the answer is bytes of the
product answer's size. No middleware, DI, ORM, auth or metrics.
Started by uvicorn with the same options as `mailscore serve`: `uvicorn bench.api_reference:create_app --factory`.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from litestar import Litestar, Response, get

PAYLOAD_KEY = "mailscore-bench:reference"
SQL = "SELECT * FROM jobs WHERE id = ?"


async def _sqlite_row(connection: aiosqlite.Connection, job_id: str) -> Any:
    async with connection.execute(SQL, (job_id,)) as cursor:  # SQLite keeps UUIDs as 32 hex digits
        return await cursor.fetchone()


def create_app() -> Litestar:
    size = int(os.environ["MAILSCORE_BENCH_PAYLOAD_BYTES"])
    job_id = uuid.UUID(os.environ["MAILSCORE_BENCH_JOB_ID"])
    database = os.environ["MAILSCORE_BENCH_DATABASE"]  # a SQLite path, or a postgresql:// URL for asyncpg
    redis_url = os.environ.get("MAILSCORE_BENCH_REDIS_URL")
    read_row = os.environ.get("MAILSCORE_BENCH_READ_ROW", "1") == "1"
    payload = (b'{"pad":"' + b"x" * max(0, size - 10) + b'"}')[:size]
    held: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if database.startswith("postgresql://"):
            import asyncpg

            # A pool as big as SQLAlchemy's default (5 + 10 overflow) in the product.
            pool = await asyncpg.create_pool(database, min_size=5, max_size=15)
            held["db"], held["read"] = pool, lambda: pool.fetchrow(SQL.replace("?", "$1"), job_id)
        else:
            connection = await aiosqlite.connect(database)
            held["db"], held["read"] = connection, lambda: _sqlite_row(connection, job_id.hex)
        if redis_url:
            from redis.asyncio import Redis

            held["redis"] = Redis.from_url(redis_url)
            await held["redis"].set(PAYLOAD_KEY, payload)
        yield
        await held["db"].close()
        if redis_url:
            await held["redis"].aclose()

    @get("/reference", media_type="application/json")
    async def reference() -> Response[bytes]:
        if read_row and await held["read"]() is None:
            raise LookupError(job_id)
        body = await held["redis"].get(PAYLOAD_KEY) if redis_url else payload
        return Response(body, media_type="application/json")

    return Litestar([reference], lifespan=[lifespan])

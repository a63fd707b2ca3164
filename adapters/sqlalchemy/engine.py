"""Engines for the two supported databases: embedded SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from adapters.sqlalchemy.tables import metadata

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}
SQLITE_BUSY_TIMEOUT_MS = 30_000


def async_url(url: str | URL) -> URL:
    """The URL with its async driver: `postgresql://` and `sqlite:///` are accepted as written by people."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def create_engine(url: str | URL, *, echo: bool = False, **engine_args: Any) -> AsyncEngine:
    parsed = async_url(url)
    # msgspec parses JSON several times faster than the json module; it matters for 100k-row reads.
    engine_args.setdefault("json_deserializer", msgspec.json.decode)
    engine_args.setdefault("json_serializer", _json_text)
    # Errors and logs must not carry bound values: emails, password and token hashes.
    engine_args.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo, engine_args)
    if parsed.drivername != "postgresql+asyncpg":
        raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
    engine_args.setdefault("pool_pre_ping", True)
    return create_async_engine(parsed, echo=echo, **engine_args)


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _sqlite_engine(url: URL, echo: bool, engine_args: dict[str, Any]) -> AsyncEngine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, **engine_args)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # SQLite ignores foreign keys unless told; WAL lets readers run beside the one writer, and
        # the busy timeout makes a second writer wait for the lock instead of failing at once.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        # A run inserts a million rows under random UUID keys into indexes of hundreds of MB; SQLite's
        # default page cache (2 MB a connection) misses on nearly every one of them. 64 MB, taken as used.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit, as async code cannot lazy-load.
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_schema(engine: AsyncEngine) -> None:
    """Create every table directly, for tests and throwaway demos; real databases use `migrate.upgrade`."""
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)

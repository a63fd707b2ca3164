"""Liveness, readiness and metrics: no authentication, not under /api."""

from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka
from litestar import Response, get
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.errors import StorageError
from entrypoints.http.metrics import HttpMetrics
from entrypoints.http.openapi_docs import problems
from entrypoints.http.schemas import HealthOut
from entrypoints.http.throttle import NOT_RATE_LIMITED


@get("/health", tags=["system"], summary="Liveness: the process answers (no database call; never rate-limited)",
     **NOT_RATE_LIMITED)  # fmt: skip
async def health() -> HealthOut:
    return HealthOut(status="ok")


@get("/ready", tags=["system"], summary="Readiness: the database answers `SELECT 1`", responses=problems(429, 503))
async def ready(container: FromDishka[AsyncContainer]) -> HealthOut:
    try:
        engine = await container.get(AsyncEngine)  # inside the try: making the engine may fail too
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver or network failure means "not ready"
        raise StorageError("database not reachable") from exc
    return HealthOut(status="ready")


@get(
    "/metrics",
    tags=["system"],
    summary="Prometheus metrics (text exposition format)",
    include_in_schema=True,
    media_type="text/plain",
    responses=problems(429),
)
async def metrics(metrics_registry: NamedDependency[HttpMetrics]) -> Response[Any]:
    return metrics_registry.response()

"""Admin routes (`/api/v1/admin`); for now a ping that proves the permission check."""

from litestar import Controller, get
from litestar.di import NamedDependency

from entrypoints.http.auth import Caller, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import PingOut


class AdminController(Controller):
    path = "/admin"
    tags = ("admin",)

    @get(
        "/ping",
        summary="Answers when the caller may read analytics (admin and above)",
        responses=problems(*AUTHENTICATED),
        **needs("read:analytics"),
    )
    async def ping(self, caller: NamedDependency[Caller]) -> PingOut:
        return PingOut(pong=True, role=caller.role.value)

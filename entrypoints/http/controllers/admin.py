"""Admin routes (`/api/v1/admin`); for now a ping that proves the permission check."""

from litestar import Controller, get
from litestar.di import NamedDependency

from entrypoints.http.auth import Principal, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import PingOut


class AdminController(Controller):
    path = "/admin"
    tags = ("admin",)

    @get(
        "/ping",
        summary="Answers when the caller may read analytics (admin and above)",
        responses=problems(*AUTHENTICATED),
        **needs("read:analytics", api_key=True),
    )
    async def ping(self, principal: NamedDependency[Principal]) -> PingOut:
        return PingOut(pong=True, role=principal.caller.role.value if principal.caller else "partner")

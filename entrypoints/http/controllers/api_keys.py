"""Partners' API keys (`/api/v1/admin/api-keys`): admins create, list and revoke them."""

import uuid

from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.use_cases.create_api_key import CreateApiKey, CreateApiKeyCommand
from application.use_cases.list_api_keys import ListApiKeys
from application.use_cases.revoke_api_key import RevokeApiKey, RevokeApiKeyCommand
from domain.jst import as_jst
from domain.security import ApiKey
from entrypoints.http.auth import Caller, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut

MANAGE = "manage:system"


def api_key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id, name=key.name, permissions=list(key.permissions), rate_limit_per_hour=key.rate_limit_per_hour,
        is_active=key.is_active, created_at=as_jst(key.created_at), expires_at=as_jst(key.expires_at),
    )  # fmt: skip


class ApiKeyController(Controller):
    path = "/admin/api-keys"
    tags = ("admin",)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create a partner's API key; the secret is in this answer only",
        description="Send the secret as `X-API-Key`. Permissions come from the RBAC table; not those of an own "
        "account (`read:own_profile`, `update:own_profile`, `read:matches`, `update:own_jobs`) nor any the admin "
        "lacks. `rateLimitPerHour` is the key's own hourly budget. `expiresAt` needs an offset (`+09:00` for Japan "
        "time); one without is refused (400). Times in the answer are in JST.",
        responses=problems(*AUTHENTICATED, 422),
        **needs(MANAGE),
    )
    async def create(
        self, caller: NamedDependency[Caller], data: JSONBody[ApiKeyIn], use_case: FromDishka[CreateApiKey]
    ) -> ApiKeyCreatedOut:
        command = CreateApiKeyCommand(
            caller.user_id, caller.role, data.name, list(data.permissions), data.rate_limit_per_hour, data.expires_at
        )
        created = await use_case(command)
        return ApiKeyCreatedOut(key=api_key_out(created.key), secret=created.secret)

    @get("/", summary="Every API key, revoked ones too (never their secrets)", responses=problems(*AUTHENTICATED),
         **needs(MANAGE))  # fmt: skip
    async def list_keys(self, use_case: FromDishka[ListApiKeys]) -> list[ApiKeyOut]:
        return [api_key_out(key) for key in await use_case()]

    @delete(
        "/{key_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke an API key at once (idempotent)",
        responses=problems(*AUTHENTICATED, 404),
        **needs(MANAGE),
    )
    async def revoke(
        self, caller: NamedDependency[Caller], key_id: FromPath[uuid.UUID], use_case: FromDishka[RevokeApiKey]
    ) -> None:
        await use_case(RevokeApiKeyCommand(caller.user_id, key_id))

"""The caller's own account: profile, home address, wishes and matches (`/api/v1/me`)."""

from collections.abc import Sequence
from typing import Annotated, Any, cast

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, MediaType, Request, Response, get, patch, put
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from application.match_cache import MatchCache
from application.use_cases.list_matches import ListMatches, MatchesQuery
from application.use_cases.recommend_jobs import MAX_LIMIT
from application.use_cases.set_home_address import SetHomeAddress, SetHomeAddressCommand
from application.use_cases.set_preferences import KEEP, SetPreferences, SetPreferencesCommand
from application.use_cases.show_profile import ShowProfile
from application.use_cases.update_profile import UpdateProfile, UpdateProfileCommand
from domain.user import User
from entrypoints.http.auth import AppScoped, Caller, Principal, caller_of, needs
from entrypoints.http.match_pages import MatchPageEncoder
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import (
    AddressIn,
    AddressOut,
    MatchesOut,
    PreferencesBody,
    ProfileOut,
    ProfilePatch,
)


def profile_out(user: User) -> ProfileOut:
    a, p = user.address, user.preferences
    address = (
        None
        if a is None
        else AddressOut(
            postal_code=a.postal_code,
            prefecture_code=a.prefecture_code,
            prefecture=a.prefecture,
            municipality_code=a.municipality_code,
            city=a.city,
            address_line=a.address_line,
            latitude=a.latitude,
            longitude=a.longitude,
        )
    )
    preferences = (
        None
        if p is None
        else PreferencesBody(
            job_types=list(p.job_types),
            industries=list(p.industries),
            max_commute_minutes=p.max_commute_minutes,
            min_hourly_wage=p.min_hourly_wage,
            availability={k: [list(s) for s in v] for k, v in p.availability.items()},
            alert_threshold=p.alert_threshold,
            instant_alerts=p.instant_alerts,
        )
    )
    return ProfileOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        email_opt_in=user.email_opt_in,
        address=address,
        preferences=preferences,
    )


async def current_match_keys(
    connection: ASGIConnection[Any, Any, Any, Any], resolved: AppScoped, principal: Principal
) -> Sequence[str]:
    """What a first page of matches reads from the cache (a cursor's page reads its snapshot instead)."""
    if principal.caller is None or b"cursor=" in connection.scope["query_string"]:
        return ()
    matches = await resolved.get(connection, MatchCache)
    return matches.current_keys(principal.caller.user_id)


class ProfileController(Controller):
    path = "/me"
    tags = ("me",)

    @get("/", summary="The caller's profile", responses=problems(*AUTHENTICATED, 404), **needs("read:own_profile"))
    async def show(self, caller: NamedDependency[Caller], use_case: FromDishka[ShowProfile]) -> ProfileOut:
        return profile_out(await use_case(caller.user_id))

    @patch(
        "/",
        summary="Change name or mail opt-in (fields left out stay)",
        responses=problems(*AUTHENTICATED, 422),
        **needs("update:own_profile"),
    )
    async def update(
        self, caller: NamedDependency[Caller], data: JSONBody[ProfilePatch], use_case: FromDishka[UpdateProfile]
    ) -> ProfileOut:
        user = await use_case(UpdateProfileCommand(caller.user_id, data.full_name, data.email_opt_in))
        return profile_out(user)

    @put(
        "/address",
        summary="Set home from a postal code (prefecture, municipality and point derived)",
        responses=problems(*AUTHENTICATED, 422),
        **needs("update:own_profile"),
    )
    async def set_address(
        self, caller: NamedDependency[Caller], data: JSONBody[AddressIn], use_case: FromDishka[SetHomeAddress]
    ) -> ProfileOut:
        return profile_out(await use_case(SetHomeAddressCommand(caller.user_id, data.postal_code, data.address_line)))

    @put(
        "/preferences",
        summary="Replace job types, industries, commute, wage and availability wishes; set alert settings",
        responses=problems(*AUTHENTICATED, 422),
        **needs("update:own_profile"),
    )
    async def set_preferences(
        self, caller: NamedDependency[Caller], data: JSONBody[PreferencesBody], use_case: FromDishka[SetPreferences]
    ) -> ProfileOut:
        command = SetPreferencesCommand(
            caller.user_id,
            list(data.job_types),
            list(data.industries),
            data.max_commute_minutes,
            data.min_hourly_wage,
            {k: [list(s) for s in v] for k, v in data.availability.items()},
            KEEP if data.alert_threshold is msgspec.UNSET else data.alert_threshold,
            KEEP if data.instant_alerts is msgspec.UNSET else data.instant_alerts,
        )
        return profile_out(await use_case(command))

    @get(
        "/matches",
        summary="The caller's best jobs now, with scores and reasons, a page at a time",
        description=(
            "Ranked once and kept (in Redis when configured) until the caller's address, wishes or actions, "
            "or any posting, change. `nextCursor` continues the same ranking: pages never repeat or skip a "
            "job, even when scores tie or the caller acts between two pages. A bad or expired cursor is a "
            "422 problem naming `cursor`."
        ),
        responses=problems(*AUTHENTICATED, 404, 422),
        **needs("read:matches", read_ahead=current_match_keys),
    )
    async def matches(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ListMatches],
        encode: FromDishka[MatchPageEncoder],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 10,
        cursor: Annotated[str | None, QueryParameter(max_length=2048, description="nextCursor")] = None,
    ) -> Response[MatchesOut]:
        caller = caller_of(request)  # as `caller: NamedDependency[Caller]` gives, without resolving a dependency
        page = await use_case(MatchesQuery(caller.user_id, limit, cursor))
        # A MatchesOut, encoded from the items' kept JSON (match_pages.py): the declared type is the schema.
        return Response(cast(Any, encode(page)), media_type=MediaType.JSON)

"""The caller's own account: profile, home address, wishes and matches (`/api/v1/me`)."""

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, patch, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from application.use_cases.recommend_jobs import MAX_LIMIT, RecommendJobs, RecommendQuery
from application.use_cases.set_home_address import SetHomeAddress, SetHomeAddressCommand
from application.use_cases.set_preferences import SetPreferences, SetPreferencesCommand
from application.use_cases.show_profile import ShowProfile
from application.use_cases.update_profile import UpdateProfile, UpdateProfileCommand
from domain.user import User
from entrypoints.http.auth import Caller, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import (
    AddressIn,
    AddressOut,
    MatchesOut,
    MatchOut,
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
        summary="Replace job types, industries, commute, wage and availability wishes",
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
        )
        return profile_out(await use_case(command))

    @get(
        "/matches",
        summary="The caller's best jobs now, with scores and reasons",
        responses=problems(*AUTHENTICATED, 404),
        **needs("read:matches"),
    )
    async def matches(
        self,
        caller: NamedDependency[Caller],
        use_case: FromDishka[RecommendJobs],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 10,
    ) -> MatchesOut:
        result = await use_case(RecommendQuery(caller.user_id, limit=limit))
        items = [
            MatchOut(
                job_id=item.job.id,
                title=item.job.title,
                company_name=item.job.company_name,
                hourly_wage=item.job.hourly_wage,
                total=round(item.score.total, 2),
                basic=round(item.score.basic, 2),
                seo=round(item.score.seo, 2),
                personalized=round(item.score.personalized, 2),
                reasons=item.reasons,
                distance_km=None if item.score.distance_km is None else round(item.score.distance_km, 2),
                commute_minutes=None if item.score.commute_minutes is None else round(item.score.commute_minutes),
            )
            for item in result.jobs
        ]
        return MatchesOut(items=items, eligible=result.eligible)

"""Register, log in, refresh and log out (`/api/v1/auth`)."""

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.sessions import Session
from application.use_cases.log_in import LogIn, LoginCommand
from application.use_cases.log_out import LogOut, LogOutCommand
from application.use_cases.refresh_session import RefreshCommand, RefreshSession
from application.use_cases.register_user import RegisterCommand, RegisterUser
from entrypoints.http.controllers.profile import profile_out
from entrypoints.http.openapi_docs import problems
from entrypoints.http.schemas import LoginIn, ProfileOut, RefreshIn, RegisterIn, SessionOut
from entrypoints.http.throttle import request_client_ip


def session_out(session: Session) -> SessionOut:
    expires_in = max(0, round((session.access_expires_at - session.issued_at).total_seconds()))
    return SessionOut(
        access_token=session.access_token,
        token_type="Bearer",  # noqa: S106 (a scheme name, not a secret)
        expires_in=expires_in,
        refresh_token=session.refresh_token,
        refresh_expires_at=session.refresh_expires_at,
    )


class AccountController(Controller):
    path = "/auth"
    tags = ("accounts",)

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        summary="Register a job seeker (role `user`)",
        responses=problems(400, 409, 422, 429),
    )
    async def register(self, data: JSONBody[RegisterIn], use_case: FromDishka[RegisterUser]) -> ProfileOut:
        user = await use_case(RegisterCommand(data.email, data.password, data.full_name))
        return profile_out(user)

    @post(
        "/login",
        status_code=200,
        summary="Log in: an access token (15 min) and a refresh token",
        description="Wrong email and wrong password answer the same 401. After 5 failures for an email "
        "it is locked for 15 minutes (429 with Retry-After).",
        responses=problems(400, 401, 429),
    )
    async def login(self, data: JSONBody[LoginIn], request: Request, use_case: FromDishka[LogIn]) -> SessionOut:
        client = request_client_ip(request)  # X-Forwarded-For only from MAILSCORE_TRUSTED_PROXIES
        return session_out(await use_case(LoginCommand(data.email, data.password, client)))

    @post(
        "/refresh",
        status_code=200,
        summary="Rotate the refresh token; reuse of a used one revokes its family",
        responses=problems(400, 401, 429),
    )
    async def refresh(self, data: JSONBody[RefreshIn], use_case: FromDishka[RefreshSession]) -> SessionOut:
        return session_out(await use_case(RefreshCommand(data.refresh_token)))

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke the refresh token's family (idempotent)",
        responses=problems(400, 429),
    )
    async def logout(self, data: JSONBody[RefreshIn], use_case: FromDishka[LogOut]) -> None:
        await use_case(LogOutCommand(data.refresh_token))

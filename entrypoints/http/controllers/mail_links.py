"""The signed links in every daily mail: open pixel, click redirect, one-click unsubscribe (RFC 8058).

Public (no bearer token, no cookie): the signed token in the path is the authority.
"""

import html
import logging
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.exceptions import ClientException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_302_FOUND

from application.use_cases.change_mail_preferences import ChangeMailPreferences, MailChoice, MailPreferences
from application.use_cases.follow_mail_click import FollowMailClick
from application.use_cases.record_mail_open import RecordMailOpen
from application.use_cases.unsubscribe import Unsubscribe
from entrypoints.http.openapi_docs import problems

log = logging.getLogger("mailscore.http")

# 1x1 transparent GIF (43 bytes).
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
ONE_CLICK = ("List-Unsubscribe", "One-Click")

_PAGE = """<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>配信停止の確認</title>
</head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem;">
<h1>配信停止の確認</h1>
<p>おすすめ求人メールの配信を停止します。よろしければ下のボタンを押してください。</p>
<form method="post" action="{action}">
<input type="hidden" name="{field}" value="{value}">
<button type="submit">配信を停止する</button>
</form>
</body>
</html>
"""


def confirmation_page(token: str) -> str:
    return _PAGE.format(
        action=html.escape(f"/u/{token}", quote=True),
        field=html.escape(ONE_CLICK[0], quote=True),
        value=html.escape(ONE_CLICK[1], quote=True),
    )


_PREFERENCES_PAGE = """<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>配信設定</title>
</head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem;">
<h1>配信設定</h1>
{notice}<form method="post" action="{action}">
<fieldset>
<legend>おすすめ求人メールの配信</legend>
{choices}
</fieldset>
<p><label>希望職種（読点またはカンマ区切り）<br>
<input type="text" name="job_types" value="{job_types}" maxlength="1600" style="width: 100%;"></label></p>
<button type="submit">保存する</button>
</form>
</body>
</html>
"""
_CHOICE_LABELS = {MailChoice.DAILY: "毎日受け取る", MailChoice.WEEKLY: "週に1回まで", MailChoice.NONE: "受け取らない"}


def preferences_page(token: str, current: MailPreferences, saved: bool = False) -> str:
    """The form. Everything from outside (the token, the job types) is escaped; the form posts back to the
    same token-bound URL, so no session or CSRF cookie is involved."""
    choices = "\n".join(
        f'<p><label><input type="radio" name="frequency" value="{choice.value}"'
        f'{" checked" if choice is current.choice else ""}> {label}</label></p>'
        for choice, label in _CHOICE_LABELS.items()
    )
    return _PREFERENCES_PAGE.format(
        notice="<p><strong>保存しました。</strong>次回の配信から反映されます。</p>\n" if saved else "",
        action=html.escape(f"/p/{token}", quote=True),
        choices=choices,
        job_types=html.escape("、".join(current.job_types), quote=True),
    )


class MailLinkController(Controller):
    path = "/"
    tags = ("mail links",)

    @get(
        "/t/o/{token:str}",
        summary="Open pixel: records the first open; a 1x1 GIF (unless rate-limited)",
        media_type="image/gif",
        responses=problems(429),
    )
    async def open_pixel(
        self, token: FromPath[str], request: Request[Any, Any, Any], use_case: FromDishka[RecordMailOpen]
    ) -> Response[bytes]:
        try:
            await use_case(token, request.headers.get("user-agent"))
        except Exception:  # the pixel never breaks a mail and never tells anything; the log has the cause
            log.exception("recording a mail open failed")
        return Response(PIXEL, media_type="image/gif", headers=NO_STORE)

    @get(
        "/t/c/{token:str}",
        summary="Click redirect: records the click and redirects (302) to the job page on this site",
        status_code=HTTP_302_FOUND,
        responses=problems(404, 429),
    )
    async def click(
        self, token: FromPath[str], request: Request[Any, Any, Any], use_case: FromDishka[FollowMailClick]
    ) -> Redirect:
        target = await use_case(token, request.headers.get("user-agent"))
        return Redirect(target, status_code=HTTP_302_FOUND, headers=NO_STORE)

    @get(
        "/u/{token:str}",
        summary="Unsubscribe confirmation page (changes nothing)",
        media_type=MediaType.HTML,
        responses=problems(404, 429),
    )
    async def unsubscribe_page(self, token: FromPath[str], use_case: FromDishka[Unsubscribe]) -> Response[str]:
        use_case.check(token)
        return Response(confirmation_page(token), media_type=MediaType.HTML, headers=PAGE_HEADERS)

    @post(
        "/u/{token:str}",
        summary="One-click unsubscribe (RFC 8058): form body `List-Unsubscribe=One-Click`; idempotent",
        status_code=HTTP_200_OK,
        media_type=MediaType.TEXT,
        responses=problems(400, 404, 429),
    )
    async def unsubscribe(
        self, token: FromPath[str], request: Request[Any, Any, Any], use_case: FromDishka[Unsubscribe]
    ) -> Response[str]:
        use_case.check(token)
        form = await request.form() if _is_form(request) else {}
        if form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
            message = "the form body must be List-Unsubscribe=One-Click"
            raise ClientException(message, extra=[{"key": ONE_CLICK[0], "message": message}])
        await use_case(token)
        return Response("配信を停止しました。\n", media_type=MediaType.TEXT, headers=NO_STORE)


def _form_field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _is_form(request: Request[Any, Any, Any]) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


class MailPreferencesController(Controller):
    path = "/p"
    tags = ("mail links",)

    @get(
        "/{token:str}",
        summary="Mail preference page: daily, weekly or no mail, and job types",
        media_type=MediaType.HTML,
        responses=problems(404, 429),
    )
    async def page(self, token: FromPath[str], use_case: FromDishka[ChangeMailPreferences]) -> Response[str]:
        current = await use_case.show(token)
        return Response(preferences_page(token, current), media_type=MediaType.HTML, headers=PAGE_HEADERS)

    @post(
        "/{token:str}",
        summary="Save mail preferences: form fields `frequency` (daily, weekly, none) and `job_types`",
        status_code=HTTP_200_OK,
        media_type=MediaType.HTML,
        responses=problems(400, 404, 422, 429),
    )
    async def save(
        self, token: FromPath[str], request: Request[Any, Any, Any], use_case: FromDishka[ChangeMailPreferences]
    ) -> Response[str]:
        use_case.check(token)  # a bad link is 404 whatever the body
        if not _is_form(request):
            message = "send the form (application/x-www-form-urlencoded)"
            raise ClientException(message, extra=[{"key": "frequency", "message": message}])
        form = await request.form()
        saved = await use_case(token, _form_field(form, "frequency"), _form_field(form, "job_types"))
        return Response(preferences_page(token, saved, saved=True), media_type=MediaType.HTML, headers=PAGE_HEADERS)

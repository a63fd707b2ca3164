"""Webhooks called by other systems. Not role-guarded: a signed call (see application.webhook_signature)
is the authority, so a relay or mail provider can call without an account."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK

from adapters.mail.dsn import UnreadableReport, parse_report
from application.ports import Clock
from application.use_cases.record_bounces import RecordBounces
from application.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookVerifier
from domain.errors import InvalidInput
from entrypoints.http.openapi_docs import problems
from entrypoints.http.schemas import BounceWebhookResult

MAX_BODY = 10 * 1024 * 1024


class WebhookController(Controller):
    path = "/webhooks"
    tags = ("webhooks",)

    @post(
        "/bounces",
        summary="A bounce (RFC 3464 DSN) or complaint (ARF) as the raw message; signed, no bearer token",
        description=(
            f"Body: the returned message as it arrived (`message/rfc822`). Headers: `{TIMESTAMP_HEADER}` "
            f"(Unix seconds, within 5 minutes) and `{SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "
            "timestamp + '.' + body>` with MAILSCORE_BOUNCE_WEBHOOK_SECRET. Reading the same report twice "
            "counts once."
        ),
        status_code=HTTP_200_OK,
        responses=problems(401, 422, 429),
        security=[{"WebhookSignature": []}],
    )
    async def bounces(
        self, request: Request[Any, Any, Any], verifier: FromDishka[WebhookVerifier], clock: FromDishka[Clock],
        use_case: FromDishka[RecordBounces],
    ) -> BounceWebhookResult:  # fmt: skip
        body = await request.body()
        verifier.check(request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER), body,
                       clock.now())  # fmt: skip
        if len(body) > MAX_BODY:
            raise InvalidInput("body", "larger than 10 MB")
        try:
            reports = parse_report(body)
        except UnreadableReport as exc:
            raise InvalidInput("body", str(exc)) from None
        summary = await use_case(reports)
        return BounceWebhookResult(reports=len(reports), outcomes=summary.outcomes)

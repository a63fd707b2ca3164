"""Every error becomes an RFC 9457 problem (application/problem+json) with a stable `type` URI.

One table maps exception classes to status, type and title; the most specific class listed wins. Anything
not in the table is a 500 whose body says nothing about the cause (the log has it).
"""

import logging
import re
from dataclasses import dataclass

from litestar import Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from adapters.sqlalchemy.errors import StorageConflict, StorageError
from application.errors import (
    AccountRequired,
    AlreadyExists,
    NotAuthorized,
    PermissionDenied,
    RateLimited,
    TooManyAttempts,
)
from domain.errors import BelowMinimumWage, InvalidInput, InvalidTransition, NotFound
from entrypoints.http.schemas import FieldError, Problem

PROBLEM_BASE = "https://mailscore.example.jp/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("mailscore.http")


@dataclass(frozen=True)
class ProblemKind:
    status: int
    slug: str
    title: str

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug


INTERNAL = ProblemKind(500, "internal", "Internal server error")
PROBLEM_TABLE: dict[type[BaseException], ProblemKind] = {
    ValidationException: ProblemKind(400, "invalid-request", "The request is not valid"),
    ClientException: ProblemKind(400, "invalid-request", "The request is not valid"),
    NotAuthorized: ProblemKind(401, "not-authenticated", "Authentication required"),
    NotAuthorizedException: ProblemKind(401, "not-authenticated", "Authentication required"),
    PermissionDenied: ProblemKind(403, "forbidden", "Not allowed"),
    AccountRequired: ProblemKind(403, "forbidden", "Not allowed"),
    PermissionDeniedException: ProblemKind(403, "forbidden", "Not allowed"),
    NotFound: ProblemKind(404, "not-found", "Not found"),
    NotFoundException: ProblemKind(404, "not-found", "Not found"),
    MethodNotAllowedException: ProblemKind(405, "method-not-allowed", "Method not allowed"),
    AlreadyExists: ProblemKind(409, "already-exists", "Already exists"),
    InvalidTransition: ProblemKind(409, "invalid-transition", "Not possible in the current state"),
    StorageConflict: ProblemKind(409, "conflict", "Conflicting change; try again"),
    InvalidInput: ProblemKind(422, "invalid-input", "The input breaks a rule"),
    BelowMinimumWage: ProblemKind(422, "below-minimum-wage", "Below the legal minimum wage"),
    TooManyAttempts: ProblemKind(429, "too-many-attempts", "Too many attempts"),
    TooManyRequestsException: ProblemKind(429, "too-many-requests", "Too many requests"),
    RateLimited: ProblemKind(429, "rate-limited", "Too many requests"),
    StorageError: ProblemKind(503, "storage-unavailable", "Storage unavailable; try again"),
}
OTHER_HTTP = ProblemKind(0, "http-error", "HTTP error")  # any other HTTPException keeps its own status

_AT_PATH = re.compile(r"at `\$\.?([^`]*)`")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]*)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]*)`")


def kind_of(exc: BaseException) -> ProblemKind:
    for cls in type(exc).__mro__:
        if cls in PROBLEM_TABLE:
            return PROBLEM_TABLE[cls]
    return OTHER_HTTP if isinstance(exc, HTTPException) else INTERNAL


def _field_of(message: str, key: object) -> str:
    for pattern in (_UNKNOWN_FIELD, _MISSING_FIELD):
        if match := pattern.search(message):
            prefix = _AT_PATH.search(message)
            parent = prefix.group(1) if prefix else ""
            return f"{parent}.{match.group(1)}" if parent else match.group(1)
    if match := _AT_PATH.search(message):
        return match.group(1) or "body"
    return str(key) if key and key != "data" else "body"


def validation_errors(exc: HTTPException) -> list[FieldError]:
    extra = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
    errors = []
    for item in extra:
        if isinstance(item, dict):
            message = str(item.get("message", exc.detail))
            errors.append(FieldError(_field_of(message, item.get("key")), message))
    if not errors:
        errors.append(FieldError(_field_of(exc.detail, None), exc.detail))
    return errors


def problem_response(request: Request, exc: Exception) -> Response[Problem]:
    kind = kind_of(exc)
    status, errors, headers = kind.status, None, {}
    detail = str(exc)
    if kind is INTERNAL:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        detail = "something went wrong on our side; it has been logged"
    elif isinstance(exc, HTTPException):
        status = exc.status_code if kind is OTHER_HTTP else status
        detail = exc.detail
        headers.update(exc.headers or {})
        if status == 400:
            errors = validation_errors(exc)
            detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    elif isinstance(exc, InvalidInput):
        errors = [FieldError(exc.field, exc.message)]
    elif isinstance(exc, AlreadyExists):
        errors = [FieldError(exc.field, "already registered")]
    elif isinstance(exc, TooManyAttempts | RateLimited):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    elif isinstance(exc, StorageError):
        log.exception("storage error on %s %s", request.method, request.url.path)
        detail = "the database did not answer; try again"
    title = kind.title if kind is not OTHER_HTTP else detail
    body = Problem(kind.type, title, status, detail, request.url.path, errors)
    return Response(body, status_code=status or HTTP_500_INTERNAL_SERVER_ERROR, headers=headers,
                    media_type=PROBLEM_MEDIA_TYPE)  # fmt: skip


EXCEPTION_HANDLERS = {Exception: problem_response}

"""OpenAPI response entries for the problems a route can answer with."""

from litestar.openapi.datastructures import ResponseSpec

from entrypoints.http.errors import PROBLEM_MEDIA_TYPE
from entrypoints.http.schemas import Problem

_DESCRIPTIONS = {
    400: "Malformed JSON, an unknown field or a wrong type (`errors` names each field)",
    401: "No valid bearer access token or API key, or invalid credentials",
    403: "The caller's role (or API key) lacks the route's permission",
    404: "Not found",
    409: "Conflicts with the current state",
    422: "The input breaks a rule (`errors` names the field)",
    429: "Too many requests or attempts: a rate limit is spent (see Retry-After, in seconds)",
    503: "A dependency is down",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[status],
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
    }


AUTHENTICATED = (400, 401, 403, 429)

"""Every registered route, walked with no token, with each role and with partners' API keys: 401, 403 or
through, per the table."""

import re
import typing
import uuid

import pytest
from dishka.entities.key import _FromComponent as FromDishkaMarker
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from application.auditing import audit_action_of
from domain.roles import ALL_PERMISSIONS, Role, has_permission
from domain.security import OWN_ACCOUNT_PERMISSIONS
from entrypoints.http.auth import API_KEY_ALLOWED, PERMISSION
from entrypoints.http.notifications import TOKEN_COOKIE
from tests.e2e.test_http_support import account_with_role, client, partner_key, store

__all__ = ["client", "store"]  # fixtures

# (method, path template) -> the permission it needs; None: public. A new route must be added here.
ROUTES: dict[tuple[str, str], str | None] = {
    ("POST", "/api/v1/auth/register"): None,
    ("POST", "/api/v1/auth/login"): None,
    ("POST", "/api/v1/auth/refresh"): None,
    ("POST", "/api/v1/auth/logout"): None,
    ("GET", "/api/v1/me"): "read:own_profile",
    ("PATCH", "/api/v1/me"): "update:own_profile",
    ("PUT", "/api/v1/me/address"): "update:own_profile",
    ("PUT", "/api/v1/me/preferences"): "update:own_profile",
    ("GET", "/api/v1/me/matches"): "read:matches",
    ("GET", "/api/v1/jobs"): "read:jobs",
    ("GET", "/api/v1/jobs/{job_id:uuid}"): "read:jobs",
    ("POST", "/api/v1/jobs"): "create:jobs",
    ("PATCH", "/api/v1/jobs/{job_id:uuid}"): "update:own_jobs",
    ("DELETE", "/api/v1/jobs/{job_id:uuid}"): "update:own_jobs",
    ("POST", "/api/v1/jobs/{job_id:uuid}/actions"): "read:jobs",
    ("GET", "/api/v1/admin/ping"): "read:analytics",
    ("POST", "/api/v1/admin/api-keys"): "manage:system",
    ("GET", "/api/v1/admin/api-keys"): "manage:system",
    ("DELETE", "/api/v1/admin/api-keys/{key_id:uuid}"): "manage:system",
    ("POST", "/api/v1/admin/campaigns"): "manage:system",
    ("GET", "/api/v1/admin/campaigns"): "manage:system",
    ("GET", "/api/v1/admin/campaigns/{campaign_id:uuid}"): "manage:system",
    ("PATCH", "/api/v1/admin/campaigns/{campaign_id:uuid}"): "manage:system",
    ("GET", "/api/v1/admin/campaigns/{campaign_id:uuid}/preview"): "read:all_users",
    ("POST", "/api/v1/admin/campaigns/{campaign_id:uuid}/run"): "manage:system",
    ("GET", "/api/v1/admin/campaigns/{campaign_id:uuid}/runs/{run_id:uuid}"): "manage:system",
    ("GET", "/api/v1/admin/analytics/campaigns/{campaign_id:uuid}"): "read:analytics",
    ("GET", "/api/v1/admin/analytics/daily"): "read:analytics",
    ("GET", "/api/v1/admin/audit"): "security:audit",
    ("GET", "/api/v1/admin/runs/{run_id:uuid}"): "read:analytics",
    ("GET", "/health"): None,
    ("GET", "/ready"): None,
    ("GET", "/metrics"): None,
    ("GET", "/t/o/{token:str}"): None,  # the signed token is the authority on these four
    ("GET", "/t/c/{token:str}"): None,
    ("GET", "/u/{token:str}"): None,
    ("POST", "/u/{token:str}"): None,
    ("GET", "/p/{token:str}"): None,
    ("POST", "/p/{token:str}"): None,
    ("POST", "/api/v1/webhooks/bounces"): None,  # see SIGNED
}
# Routes a signed call opens, whatever the caller's role: without a signature every caller gets 401.
SIGNED = {("POST", "/api/v1/webhooks/bounces")}
# WebSockets authenticate in the handler (a browser sends no Authorization header on them): the token comes as
# a query parameter or a cookie; path -> the permission the handler checks.
WEBSOCKETS: dict[str, str] = {"/ws": "read:matches"}
CALLERS: list[Role | None] = [None, Role.USER, Role.EMPLOYER, Role.ADMIN, Role.SUPER_ADMIN]
# Routes a partner's API key may use; every other route acts for a user account (a valid key gets 403).
API_KEY_ROUTES = {
    ("GET", "/api/v1/jobs"),
    ("GET", "/api/v1/jobs/{job_id:uuid}"),
    ("GET", "/api/v1/admin/ping"),
}
# Partners' keys: a narrow one, and one with every permission a key can hold.
KEYS: dict[str, frozenset[str]] = {
    "key-read-jobs": frozenset({"read:jobs"}),
    "key-all": ALL_PERMISSIONS - OWN_ACCOUNT_PERMISSIONS,
}


def registered_routes(client: TestClient) -> dict[tuple[str, str], tuple[str | None, bool]]:  # type: ignore[type-arg]
    found: dict[tuple[str, str], tuple[str | None, bool]] = {}
    for path, handlers in client.app.route_handler_method_map.items():
        if path.startswith("/schema"):
            continue
        for method, handler in handlers.items():
            if method not in ("OPTIONS", "HEAD", "websocket"):
                found[(method, path)] = (handler.opt.get(PERMISSION), bool(handler.opt.get(API_KEY_ALLOWED)))
    return found


def test_the_table_covers_every_route_with_the_permission_it_declares(client: TestClient) -> None:  # type: ignore[type-arg]
    expected = {route: (permission, route in API_KEY_ROUTES) for route, permission in ROUTES.items()}
    assert registered_routes(client) == expected


def concrete(template: str) -> str:
    template = re.sub(r"\{\w+:uuid\}", lambda _: str(uuid.uuid4()), template)
    return template.replace("{token:str}", "not.a-token")


@pytest.mark.parametrize("role", CALLERS, ids=lambda r: r.value if r else "anonymous")
def test_each_route_answers_each_caller_as_the_table_says(
    client: TestClient,
    store: InMemoryStore,
    role: Role | None,  # type: ignore[type-arg]
) -> None:
    headers = account_with_role(client, store, role) if role else {}
    for (method, template), permission in ROUTES.items():
        response = client.request(method, concrete(template), headers=headers, json={})
        if (method, template) in SIGNED:
            assert response.status_code == 401, (method, template, role, response.text)
            continue
        if permission is None:
            allowed = True
        elif role is None:
            assert response.status_code == 401, (method, template, response.text)
            continue
        else:
            allowed = has_permission(role, permission)
        if allowed:
            assert response.status_code not in (401, 403, 500), (method, template, role, response.text)
        else:
            assert response.status_code == 403, (method, template, role, response.text)
        assert response.headers["content-type"].split(";")[0] in (
            "application/json", "application/problem+json", "text/plain", "image/gif",
        ), (method, template)  # fmt: skip


def test_the_websockets_are_the_ones_in_their_table(client: TestClient) -> None:  # type: ignore[type-arg]
    found = {path for path, handlers in client.app.route_handler_method_map.items() if "websocket" in handlers}
    assert found == set(WEBSOCKETS)


@pytest.mark.parametrize("role", CALLERS, ids=lambda r: r.value if r else "anonymous")
def test_each_websocket_answers_each_caller_as_the_table_says(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    role: Role | None,
) -> None:
    token = account_with_role(client, store, role)["Authorization"].split()[1] if role else "not-a-token"
    for path, permission in WEBSOCKETS.items():
        for how in ({"params": {"token": token}}, {"cookies": {TOKEN_COOKIE: token}}):
            client.cookies.clear()
            if "cookies" in how:
                client.cookies.update(how["cookies"])
                url = path
            else:
                url = f"{path}?token={token}"
            if role is not None and has_permission(role, permission):
                with client.websocket_connect(url) as socket:
                    socket.send_text("ping")  # accepted, and stays open
            else:
                with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(url) as socket:
                    socket.receive_text()
                assert refused.value.code == (4401 if role is None else 4403), (path, role)
    client.cookies.clear()


@pytest.mark.parametrize("key", KEYS, ids=str)
def test_each_route_answers_a_partner_key_as_the_table_says(
    client: TestClient,  # type: ignore[type-arg]
    store: InMemoryStore,
    key: str,
) -> None:
    headers = partner_key(store, *KEYS[key])
    for (method, template), permission in ROUTES.items():
        response = client.request(method, concrete(template), headers=headers, json={})
        if (method, template) in SIGNED:  # a partner key is not the webhook's signature
            assert response.status_code == 401, (method, template, key, response.text)
        elif permission is None or (permission in KEYS[key] and (method, template) in API_KEY_ROUTES):
            assert response.status_code not in (401, 403, 500), (method, template, key, response.text)
        else:
            assert response.status_code == 403, (method, template, key, response.text)


def test_an_unknown_or_revoked_key_is_401_on_every_protected_route(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    revoked = partner_key(store, *KEYS["key-all"])
    for key in store.api_keys.values():
        key.is_active = False
    for headers in (revoked, {"X-API-Key": "msk_unknown"}, {"X-API-Key": "not-even-ours"}):
        for (method, template), permission in ROUTES.items():
            if permission is not None:
                response = client.request(method, concrete(template), headers=headers, json={})
                assert response.status_code == 401, (method, template, headers, response.text)


def test_every_route_is_documented_with_its_security_and_problems(client: TestClient) -> None:  # type: ignore[type-arg]
    paths = client.get("/schema/openapi.json").json()["paths"]
    for (method, template), permission in ROUTES.items():
        operation = paths[template.replace(":uuid", "").replace(":str", "")][method.lower()]
        assert operation.get("summary"), (method, template)
        if template != "/health":  # the one route that is never rate-limited
            assert "429" in operation["responses"], (method, template)
        if (method, template) in SIGNED:
            assert operation["security"] == [{"WebhookSignature": []}], (method, template)
            assert "401" in operation["responses"], (method, template)
        if permission is not None:
            security = [{"BearerToken": []}, {"ApiKey": []}] if (method, template) in API_KEY_ROUTES else [
                {"BearerToken": []}]  # fmt: skip
            assert operation["security"] == security, (method, template)
            assert {"401", "403"} <= set(operation["responses"]), (method, template)
            problem = operation["responses"]["401"]["content"]
            assert "application/problem+json" in problem, (method, template)


# Routes that change something but only ever for the caller's own account (or a signed link's owner): not
# admin actions, whoever calls them. Every other route that changes something and needs a permission is
# one an admin may use on others' things (the /admin routes, and e.g. editing any company's job).
OWN_ACCOUNT_CHANGES = {
    ("PATCH", "/api/v1/me"),
    ("PUT", "/api/v1/me/address"),
    ("PUT", "/api/v1/me/preferences"),
    ("POST", "/api/v1/jobs/{job_id:uuid}/actions"),
}


def test_every_route_an_admin_changes_things_through_calls_an_audited_use_case(client: TestClient) -> None:  # type: ignore[type-arg]
    """The audit trail has one mechanism (application.auditing): a change an admin makes through a route is
    recorded because the use-case it calls is marked, never by the controller. Covers /admin and every
    other route that needs a permission and changes more than the caller's own account."""
    checked = set()
    for path, handlers in client.app.route_handler_method_map.items():
        for method, handler in handlers.items():
            route = (method, path)
            if method in ("GET", "HEAD", "OPTIONS") or ROUTES.get(route) is None or route in OWN_ACCOUNT_CHANGES:
                continue
            original = getattr(handler.fn, "__dishka_orig_func__", handler.fn)
            hints = typing.get_type_hints(original, include_extras=True)
            use_cases = [
                typing.get_args(hint)[0]
                for hint in hints.values()
                if typing.get_origin(hint) is typing.Annotated
                and any(isinstance(m, FromDishkaMarker) for m in typing.get_args(hint)[1:])
            ]
            assert use_cases, route
            assert all(audit_action_of(u) for u in use_cases), (route, use_cases)
            checked.add(route)
    assert {("PATCH", "/api/v1/jobs/{job_id:uuid}"), ("DELETE", "/api/v1/jobs/{job_id:uuid}"),
            ("POST", "/api/v1/jobs"), ("POST", "/api/v1/admin/api-keys")} <= checked  # fmt: skip
    assert all(ROUTES.get(route) is not None for route in OWN_ACCOUNT_CHANGES)  # no stale entries


def test_every_http_route_runs_the_apps_access_checks_and_every_socket_its_guard(client: TestClient) -> None:  # type: ignore[type-arg]
    """The checks are the app's before-request hook: one set nearer a route would replace it there."""
    from litestar.handlers import HTTPRouteHandler, WebsocketRouteHandler
    from litestar.routes import HTTPRoute, WebSocketRoute

    app = client.app
    # A mounted ASGI app runs no before-request hook, and a response-cached route answers from its cache
    # before the hook: neither may exist without checks of its own.
    assert all(isinstance(route, HTTPRoute | WebSocketRoute) for route in app.routes), app.routes
    http = [h for route in app.routes for h in getattr(route, "route_handlers", []) if isinstance(h, HTTPRouteHandler)]
    assert not [h for h in http if h.cache], "a cached route would skip the access checks"
    assert len(http) > len(ROUTES)  # the OPTIONS handlers too
    assert {h.resolve_before_request() for h in http} == {app.before_request}
    assert all(not h.resolve_guards() for h in http)  # no second (copying) pass of the same checks
    handlers = [getattr(route, "route_handler", None) for route in app.routes]
    sockets = [h for h in handlers if isinstance(h, WebsocketRouteHandler)]
    assert sockets
    (app_guard,) = [cell.cell_contents for cell in app.before_request.__closure__ or ()]  # the hook's own guard
    assert app_guard.__qualname__ == "access_guard.<locals>.guard"
    assert all(list(h.resolve_guards()) == [app_guard] for h in sockets)

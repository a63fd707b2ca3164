"""The lazy request scope: application-scoped lookups open none; anything else gets one per request,
closed at the end of the request, as dishka's own middleware does (an error a handler raises has become
the 500 response by then, in both)."""

from collections.abc import AsyncIterator, Callable

import pytest
from dishka import AsyncContainer, FromDishka, Provider, Scope, make_async_container, provide
from dishka.integrations.litestar import DishkaRouter, LitestarProvider, setup_dishka
from litestar import Litestar, Request, get
from litestar.testing import TestClient

from entrypoints.http.request_scope import setup_lazy_dishka


class Shared:
    pass


class PerRequest:
    def __init__(self, request: Request) -> None:  # type: ignore[type-arg]
        self.path = request.url.path


class Scopes(Provider):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[PerRequest] = []
        self.closed: list[tuple[PerRequest, str | None]] = []

    @provide(scope=Scope.APP)
    def shared(self) -> Shared:
        return Shared()

    @provide(scope=Scope.REQUEST)
    async def per_request(self, request: Request) -> AsyncIterator[PerRequest]:  # type: ignore[type-arg]
        made = PerRequest(request)
        self.opened.append(made)
        try:
            yield made
        except Exception as error:  # dishka hands a finalizer the request's exception
            self.closed.append((made, type(error).__name__))
            raise
        self.closed.append((made, None))


@get("/shared")
async def shared(dependency: FromDishka[Shared]) -> str:
    return str(id(dependency))


@get("/scoped")
async def scoped(dependency: FromDishka[PerRequest]) -> str:
    return str(id(dependency))


@get("/scoped-failing")
async def scoped_failing(dependency: FromDishka[PerRequest]) -> str:
    raise LookupError(dependency.path)


Setup = Callable[[AsyncContainer, Litestar], None]


@get("/container")
async def container_route(container: FromDishka[AsyncContainer]) -> str:
    return (await container.get(PerRequest)).path  # the request's own container, as dishka gives it


def app_with(scopes: Scopes, setup: Setup = setup_lazy_dishka) -> Litestar:
    app = Litestar([DishkaRouter("/", route_handlers=[shared, scoped, scoped_failing, container_route])])
    setup(make_async_container(scopes, LitestarProvider()), app)
    return app


def test_an_application_scoped_route_opens_no_request_scope() -> None:
    scopes = Scopes()
    with TestClient(app_with(scopes)) as client:
        first, second = client.get("/shared").text, client.get("/shared").text
    assert first == second
    assert scopes.opened == []
    assert scopes.closed == []


@pytest.mark.parametrize("setup", [setup_lazy_dishka, setup_dishka], ids=["lazy", "dishka's own"])
def test_each_request_gets_its_own_scope_with_its_request_and_it_is_closed(setup: Setup) -> None:
    scopes = Scopes()
    with TestClient(app_with(scopes, setup)) as client:
        assert client.get("/scoped").status_code == 200
        assert client.get("/scoped").status_code == 200
        assert client.get("/scoped-failing").status_code == 500
        assert client.get("/container").text == "/container"
    assert [made.path for made in scopes.opened] == ["/scoped", "/scoped", "/scoped-failing", "/container"]
    assert len({id(made) for made in scopes.opened}) == 4
    assert [made for made, _ in scopes.closed] == scopes.opened
    assert [outcome for _, outcome in scopes.closed] == [None, None, None, None]

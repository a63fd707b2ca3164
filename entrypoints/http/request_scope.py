"""dishka's request scope for HTTP requests, opened only when a request asks for something request-scoped.

dishka's Litestar integration opens a request container around every request, then resolves even an
application-scoped use-case through it. Here the request's `dishka_container` is a stand-in that answers
application-scoped dependencies from the app container (the same cached objects the request container
would hand out) and opens the request scope, with the same context, on the first lookup of anything
else; it is closed when the request ends, with the request's exception if there was one, as dishka's
middleware does. A route whose graph is application-scoped (the guard, `GET /api/v1/me/matches`) never
opens one. Websockets keep dishka's own session scope.
"""

from types import TracebackType
from typing import Any

from dishka import AsyncContainer
from dishka import Scope as DIScope
from dishka.entities.component import DEFAULT_COMPONENT, Component
from dishka.exceptions import NoFactoryError
from dishka.integrations.litestar import make_add_request_container_middleware
from litestar import Litestar, Request
from litestar.types import ASGIApp, Receive, Scope, Send

STATE_KEY = "dishka_container"  # where dishka's `inject` looks for the container in the request state


REQUEST_SCOPED = object()


class ScopeKinds:
    """What the app container itself provides, learnt at each dependency's first lookup: the instance (it
    caches application-scoped ones for its lifetime, so this is what it would hand out again), or
    REQUEST_SCOPED."""

    def __init__(self) -> None:
        # The container itself is in every scope: asked for, a request gets its own, as with dishka's.
        self.found: dict[tuple[Any, Component | None], Any] = {(AsyncContainer, DEFAULT_COMPONENT): REQUEST_SCOPED}


class LazyRequestContainer:
    """The container of one HTTP request (see the module docstring). Only `get` is offered: it is all
    that `inject` and our handlers use."""

    def __init__(self, app_container: AsyncContainer, scope: Scope, kinds: ScopeKinds) -> None:
        self._app = app_container
        self._scope = scope
        self._kinds = kinds
        self._container: AsyncContainer | None = None  # the request scope, once opened

    async def get(self, dependency_type: Any, component: Component | None = DEFAULT_COMPONENT) -> Any:
        if self._container is not None:
            return await self._container.get(dependency_type, component)
        key = (dependency_type, component)
        found = self._kinds.found.get(key)
        if found is None:
            try:
                found = await self._app.get(dependency_type, component)
            except NoFactoryError:
                found = REQUEST_SCOPED
            self._kinds.found[key] = found
        if found is not REQUEST_SCOPED:
            return found
        return await self._open().get(dependency_type, component)

    def _open(self) -> AsyncContainer:
        # Calling a dishka container makes the child (entering it only returns it), so there is no await
        # between the check in `get` and here: two lookups of one request cannot both open a scope.
        self._container = self._app({Request: Request(self._scope)}, scope=DIScope.REQUEST)
        return self._container

    async def close(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._container is not None:
            opened, self._container = self._container, None
            await opened.__aexit__(exc_type, exc, traceback)


def setup_lazy_dishka(container: AsyncContainer, app: Litestar) -> None:
    """In place of dishka's `setup_dishka`: the app container in the app state, and the middleware."""
    app.state.dishka_container = container
    sockets = make_add_request_container_middleware(app.asgi_handler)
    app.asgi_handler = lazy_request_scope(app.asgi_handler, sockets, container)


def lazy_request_scope(app: ASGIApp, sockets: ASGIApp, container: AsyncContainer) -> ASGIApp:
    kinds = ScopeKinds()

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await sockets(scope, receive, send)  # websockets (session scope) and lifespan, as dishka does
            return
        request_container = LazyRequestContainer(container, scope, kinds)
        scope.setdefault("state", {})[STATE_KEY] = request_container  # type: ignore[typeddict-item]
        try:
            await app(scope, receive, send)
        except BaseException as error:
            await request_container.close(type(error), error, error.__traceback__)
            raise
        await request_container.close(None, None, None)

    return middleware

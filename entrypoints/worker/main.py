"""Composition root of a worker process: `taskiq worker` (run by `mailscore worker`) calls
`create_worker_broker` in each child process; it builds the container and the broker from the environment."""

from dishka import AsyncContainer, Provider
from dishka.integrations.taskiq import TaskiqProvider, setup_dishka
from taskiq import AsyncBroker, TaskiqEvents, TaskiqState

from entrypoints.config import Settings, load_settings
from entrypoints.ioc import QueueProvider, make_container
from entrypoints.worker.broker import make_broker
from entrypoints.worker.tasks import register_tasks


def worker_broker(settings: Settings, *overrides: Provider) -> tuple[AsyncBroker, AsyncContainer]:
    """A broker that runs the tasks, wired to a container of its own (closed when the worker stops)."""
    broker = make_broker(settings)
    register_tasks(broker)
    container = make_container(settings, QueueProvider(broker), TaskiqProvider(), *overrides)
    setup_dishka(container, broker)

    async def close_container(_state: TaskiqState) -> None:
        await container.close()

    broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, close_container)
    return broker, container


def create_worker_broker() -> AsyncBroker:
    return worker_broker(load_settings())[0]

"""Planning in forked processes: the `PlanningExecutor` for Linux hosts with cores to spare.

Scoring a chunk is mostly Python and numpy that hold the GIL, and so is writing the previous chunk's
rows; in one process the two take turns. A forked process scores on a core of its own while this process
writes, and receives the users and the matching state by the fork itself, not by pickling. Only its
plans travel back. Fork is used where it is the platform's safe default (Linux); elsewhere the
composition root picks `ThreadPlanning`.
"""

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.reduction import ForkingPickler
from types import TracebackType

from application.mail_planning import ChunkPlan, ChunkPlanner
from domain.user import User

# The planner and users a forked planning process works on; set in the child by the pool's initializer.
_work: tuple[ChunkPlanner, Sequence[User]] | None = None


_PR_SET_PDEATHSIG = 1


def _install(parent: int, planner: ChunkPlanner, users: Sequence[User]) -> None:
    """Runs first in each planning process. Ctrl-C is the parent's to handle (it stops the pool), and a
    parent killed outright takes its planning processes with it instead of leaving them to fail alone."""
    global _work
    _work = (planner, users)
    # A plan holds ~20 ids a user. UUID's own pickling reads an enum per id (~40 us); its integer is enough.
    ForkingPickler.register(uuid.UUID, _reduce_uuid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _reduce_uuid(value: uuid.UUID) -> tuple[type[uuid.UUID], tuple[None, None, None, None, int]]:
    return uuid.UUID, (None, None, None, None, value.int)


def _plan_slice(start: int, stop: int) -> list[ChunkPlan]:
    if _work is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("planning process started without its work")
    planner, users = _work
    return planner(users[start:stop])


def can_fork() -> bool:
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


class ForkedPlanning:
    """Plans slices of `users` with `planner` in `processes` forked processes."""

    def __init__(self, planner: ChunkPlanner, users: Sequence[User], processes: int = 1) -> None:
        self._pool = ProcessPoolExecutor(
            processes, mp_context=multiprocessing.get_context("fork"), initializer=_install,
            initargs=(os.getpid(), planner, users),
        )  # fmt: skip
        self.in_flight = processes + 1  # slices kept submitted ahead of the writer, so no process idles

    def submit(self, start: int, stop: int) -> "asyncio.Future[list[ChunkPlan]]":
        return asyncio.get_running_loop().run_in_executor(self._pool, _plan_slice, start, stop)

    def __enter__(self) -> "ForkedPlanning":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

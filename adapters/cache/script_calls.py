"""One Lua script's calls, sent to Redis together when they are made in the same turn of the event loop.

Every API request runs the rate-limit script once. Under load, many requests reach that call in the same
turn of the loop (uvicorn starts a task per request, and each runs up to its first real wait), and sent one
by one each pays redis-py's whole path: a pool checkout, a write, a timeout context, a read and the
release, and a connection of its own while the others are out. Here the first call of a turn schedules
one send for the end of that turn; the calls made meanwhile join it, and the send writes them as one
pipeline (no MULTI: each EVALSHA stays atomic on its own, in the order they were made) on one connection,
then hands each caller its own reply or its own error. A lone call is sent as a plain EVALSHA.
The same idea as ioredis's auto-pipelining; measured by `bench/api.py` (bench/README.md).

What a caller sees does not change: its reply, a script error of its own call, or the client's exception
(connection refused, timeout) when the whole send fails, after redis-py's own retries. A caller cancelled
while its call still waits for the turn's end takes the call back; once the send has taken it, the call
goes out and counts, as a call already written with a plain EVALSHA would. A server that lost its scripts
(restarted, SCRIPT FLUSH) answers NOSCRIPT; the script is loaded and the calls it refused are sent again.
"""

import asyncio
from collections.abc import Sequence
from typing import Any, TypeAlias

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

Call: TypeAlias = tuple[Sequence[str], Sequence[int | str | bytes], asyncio.Future[Any]]


class RedisScriptCalls:
    """`await calls(keys, args)` runs the script with those KEYS and ARGV and returns its reply."""

    def __init__(self, redis: Redis, source: str) -> None:
        self._redis = redis
        self._script = redis.register_script(source)
        self._waiting: list[Call] = []
        self._sending: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks

    async def __call__(self, keys: Sequence[str], args: Sequence[int | str | bytes]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._waiting.append((keys, args, future))
        if len(self._waiting) == 1:
            loop.call_soon(self._send_waiting, loop)
        return await future

    def _send_waiting(self, loop: asyncio.AbstractEventLoop) -> None:
        # A cancelled caller's future is cancelled at once (Task.cancel cancels what the task awaits): its call
        # has not been sent and is left out.
        calls = [call for call in self._waiting if not call[2].cancelled()]
        self._waiting = []
        if not calls:
            return
        task = loop.create_task(self._send(calls))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, calls: list[Call]) -> None:
        try:
            if len(calls) == 1:
                keys, args, _ = calls[0]
                replies: list[Any] = [await self._script(keys=keys, args=args)]
            else:
                replies = await self._pipelined(calls)
            if len(replies) != len(calls):
                raise RuntimeError(f"{len(replies)} replies to {len(calls)} script calls")
        except Exception as exc:  # the send failed as a whole: every caller gets the client's error
            for _, _, future in calls:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # cancelled (the loop is closing): nobody waits for ever
            for _, _, future in calls:
                future.cancel()
            raise
        for (_, _, future), reply in zip(calls, replies, strict=True):
            if future.done():  # its caller stopped waiting
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    async def _pipelined(self, calls: list[Call]) -> list[Any]:
        replies = await self._evalsha_all(calls)
        refused = [at for at, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if refused:
            await self._redis.script_load(self._script.script)
            for at, reply in zip(refused, await self._evalsha_all([calls[at] for at in refused]), strict=True):
                replies[at] = reply
        return replies

    async def _evalsha_all(self, calls: list[Call]) -> list[Any]:
        """One reply per call, in order: the script's answer or the error of that call alone."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, args, _ in calls:
                pipe.evalsha(self._script.sha, len(keys), *keys, *args)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
        return replies

"""RedisScriptCalls against a real Redis: calls made in the same turn go as one pipeline, each gets its own reply."""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from adapters.cache import RedisCache, RedisRateLimiter, redis_client
from adapters.cache.script_calls import RedisScriptCalls

pytestmark = pytest.mark.redis

# Appends ARGV[1] to the list KEYS[1] and answers the list's length; ARGV[1] == "bad" is an error reply.
_APPEND = """
if ARGV[1] == 'bad' then return redis.error_reply('bad argument') end
return redis.call('RPUSH', KEYS[1], ARGV[1])
"""


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    # A name of its own, so the test can count this client's connections on the server.
    client = Redis.from_url(redis_url, client_name=f"script-calls-{uuid.uuid4().hex}")
    yield client
    await client.aclose()


@pytest.fixture
def key(redis_key_prefix: str, request: pytest.FixtureRequest) -> str:
    return f"{redis_key_prefix}script-calls:{request.node.name}"


def unique_script() -> str:
    """A script this server has never seen: its first EVALSHA is refused with NOSCRIPT."""
    return f"-- {uuid.uuid4().hex}\n{_APPEND}"


async def connections_of(client: Redis) -> int:
    name = client.connection_pool.connection_kwargs["client_name"]
    return sum(1 for line in (await client.client_list()) if line["name"] == name)


@pytest.fixture
def pipelines(client: Redis, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every pipeline the client makes from now on."""
    made: list[object] = []
    pipeline = client.pipeline

    def counted(*args: object, **kwargs: object) -> object:
        made.append(pipeline(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(client, "pipeline", counted)
    return made


async def test_calls_made_together_go_as_one_pipeline_on_one_connection_in_order(
    client: Redis, key: str, pipelines: list[object]
) -> None:
    source = unique_script()
    await client.script_load(source)
    calls = RedisScriptCalls(client, source)
    replies = await asyncio.gather(*(calls([key], [f"v{n}"]) for n in range(12)))
    assert replies == list(range(1, 13))
    assert await client.lrange(key, 0, -1) == [f"v{n}".encode() for n in range(12)]  # in the order made
    assert len(pipelines) == 1  # sent one by one, there would be none, or twelve
    # Sent one by one, twelve waiting calls would have taken twelve connections from the pool.
    assert await connections_of(client) == 1


async def test_a_server_without_the_script_loads_it_and_sends_again(
    client: Redis, key: str, pipelines: list[object]
) -> None:
    calls = RedisScriptCalls(client, unique_script())  # the first pipeline is refused, loads the script, goes again
    assert await asyncio.gather(*(calls([key], [f"v{n}"]) for n in range(5))) == [1, 2, 3, 4, 5]
    assert await client.lrange(key, 0, -1) == [f"v{n}".encode() for n in range(5)]
    assert len(pipelines) == 2  # the refused one, and the refused calls again


async def test_a_lone_call_and_calls_in_later_turns(client: Redis, key: str) -> None:
    calls = RedisScriptCalls(client, unique_script())
    assert await calls([key], ["a"]) == 1  # a plain EVALSHA, NOSCRIPT handled by redis-py's Script
    assert await calls([key], ["b"]) == 2
    assert await asyncio.gather(calls([key], ["c"]), calls([key], ["d"])) == [3, 4]


async def test_an_error_of_one_call_goes_to_its_caller_only(client: Redis, key: str) -> None:
    calls = RedisScriptCalls(client, unique_script())
    replies = await asyncio.gather(calls([key], ["x"]), calls([key], ["bad"]), calls([key], ["y"]),
                                   return_exceptions=True)  # fmt: skip
    assert replies[0] == 1
    assert replies[2] == 2
    assert isinstance(replies[1], ResponseError)
    assert "bad argument" in str(replies[1])


async def test_a_caller_cancelled_before_the_send_takes_its_call_back(client: Redis, key: str) -> None:
    calls = RedisScriptCalls(client, unique_script())
    first = asyncio.ensure_future(calls([key], ["1"]))
    second = asyncio.ensure_future(calls([key], ["2"]))
    await asyncio.sleep(0)  # both calls wait for the turn's end; the send is scheduled behind this task
    first.cancel()
    assert await second == 1
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await client.lrange(key, 0, -1) == [b"2"]


async def test_a_caller_cancelled_after_the_send_leaves_its_call_counted(client: Redis, key: str) -> None:
    calls = RedisScriptCalls(client, unique_script())
    first = asyncio.ensure_future(calls([key], ["1"]))
    second = asyncio.ensure_future(calls([key], ["2"]))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the send has taken both calls
    first.cancel()
    assert await second == 2
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await client.lrange(key, 0, -1) == [b"1", b"2"]


async def test_every_caller_of_a_turn_cancelled_sends_nothing(client: Redis, key: str) -> None:
    calls = RedisScriptCalls(client, unique_script())
    waiting = [asyncio.ensure_future(calls([key], [str(n)])) for n in range(3)]
    await asyncio.sleep(0)
    for caller in waiting:
        caller.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    assert await calls([key], ["after"]) == 1  # the next turn works as before
    assert await client.lrange(key, 0, -1) == [b"after"]


async def test_a_failed_send_raises_in_every_caller() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = Redis(host="127.0.0.1", port=port, retry=None, socket_connect_timeout=1)
    try:
        calls = RedisScriptCalls(client, _APPEND)
        replies = await asyncio.wait_for(
            asyncio.gather(*(calls(["k"], [str(n)]) for n in range(3)), return_exceptions=True), timeout=10
        )
        assert all(isinstance(reply, RedisConnectionError) for reply in replies)
    finally:
        await client.aclose()


async def test_concurrent_rate_limited_requests_each_get_their_own_decision_and_read_ahead(
    redis_url: str, key: str
) -> None:
    client = redis_client(redis_url)
    try:
        cache = RedisCache(client, f"{key}:cache:")
        limiter = RedisRateLimiter(client, f"{key}:rl:", read_ahead=cache.read_ahead)
        for n in range(8):
            await cache.set(f"page:{n}", f"page {n}".encode(), 60)

        async def request(n: int) -> tuple[bool, int, list[bytes | None]]:  # a task, a context of its own
            cache.read_ahead.expect([f"page:{n}"])
            decision = await limiter.hit("global", 5, 60)
            return decision.allowed, decision.remaining, await cache.get_many(f"page:{n}")

        answers = await asyncio.gather(*(request(n) for n in range(8)))
        assert [pages for _, _, pages in answers] == [[f"page {n}".encode()] for n in range(8)]
        assert sum(allowed for allowed, _, _ in answers) == 5
        assert sorted(remaining for allowed, remaining, _ in answers if allowed) == [0, 1, 2, 3, 4]
    finally:
        await client.aclose()

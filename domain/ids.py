"""Time-ordered identifiers: UUID version 7 (RFC 9562, section 5.7), monotonic within this process.

A run writes a million rows whose primary keys are made as it goes (deliveries, their matches). Random
(version 4) keys land all over their B-tree indexes, so each insert touches a page of its own; ids made in
time order are appended at the right edge, and the same pages stay hot (SQLite's page cache, PostgreSQL's
buffers). The 74 bits after the timestamp and version make them no easier to guess than the ids before
them mattered to: nothing trusts an id for access (mail links are signed).

Layout: 48 bits of Unix time in milliseconds, version 7, 12 bits of sub-millisecond counter (method 1 of
section 6.2: seeded at random each millisecond, incremented within it, so ids made in the same millisecond
still sort in the order made), variant 10, 62 random bits."""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_RANDOM_BATCH = 4096  # random bits drawn 40 KiB at a time: one getrandom() call per 4,096 ids
_tails: list[int] = []  # 80 random bits an id: 62 for its tail, 11 to seed a millisecond's counter


def _refill() -> None:
    data = os.urandom(10 * _RANDOM_BATCH)
    _tails.extend(int.from_bytes(data[i : i + 10], "big") for i in range(0, len(data), 10))


def _after_fork_in_child() -> None:
    """A forked process (a planning process) must not make the ids its parent, or a sibling, makes from
    the same inherited random bits: it draws its own, and gets a lock no thread of the parent can hold."""
    global _lock
    _lock = threading.Lock()
    _tails.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def time_ordered_id() -> uuid.UUID:
    """A new UUIDv7; each one sorts after every one made before it in this process."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if not _tails:
            _refill()
        bits = _tails.pop()
        tail = bits & 0x3FFF_FFFF_FFFF_FFFF
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, (bits >> 62) & 0x7FF  # a random start in the lower half of the 12 bits
        else:  # the same millisecond (or the clock stepped back): keep counting from the last id
            _counter += 1
            if _counter > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                _last_ms, _counter = _last_ms + 1, 0
        value = (_last_ms << 80) | (0x7 << 76) | (_counter << 64) | (0b10 << 62) | tail
    return uuid.UUID(int=value)

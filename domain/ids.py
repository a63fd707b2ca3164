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
_RANDOM_BATCH = 4096  # random tails drawn 32 KiB at a time: one getrandom() call per 4,096 ids
_tails: list[int] = []


def _refill() -> None:
    data = os.urandom(8 * _RANDOM_BATCH)
    _tails.extend(int.from_bytes(data[i : i + 8], "big") for i in range(0, len(data), 8))


def time_ordered_id() -> uuid.UUID:
    """A new UUIDv7; each one sorts after every one made before it in this process."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if not _tails:
            _refill()
        tail = _tails.pop()
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, tail >> 53  # a random start in the lower half of the 12 bits
        else:  # the same millisecond (or the clock stepped back): keep counting from the last id
            _counter += 1
            if _counter > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                _last_ms, _counter = _last_ms + 1, 0
        value = (_last_ms << 80) | (0x7 << 76) | (_counter << 64) | (0b10 << 62) | (tail & 0x3FFF_FFFF_FFFF_FFFF)
    return uuid.UUID(int=value)

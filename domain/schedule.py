"""Weekly hours as a 168-bit mask (bit = weekday * 24 + hour, Monday = 0), in Japan time.

A job's shift and a person's availability both become a mask, so schedule fit is a bit count.
"""

from datetime import time
from functools import lru_cache

HOURS_PER_WEEK = 168
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS_JA = ("月", "火", "水", "木", "金", "土", "日")


def parse_hhmm(value: str) -> time:
    hours, _, minutes = value.strip().partition(":")
    hour = int(hours)
    minute = int(minutes or 0)
    if hour == 24 and minute == 0:
        return time(23, 59)
    return time(hour, minute)


def _hours_between(start: time, end: time) -> list[int]:
    """Hours touched by [start, end) as offsets from the start day's midnight; past midnight if end <= start."""
    first = start.hour
    last_minute = end.hour * 60 + end.minute
    if last_minute <= start.hour * 60 + start.minute:
        last_minute += 24 * 60
    last = (last_minute - 1) // 60
    return list(range(first, last + 1))


@lru_cache(maxsize=1 << 14)
def shift_mask(work_days: int, start: time | None, end: time | None) -> int:
    """Mask of a shift worked on the weekdays in `work_days` (bit 0 = Monday); 0 when unknown."""
    if not work_days or start is None or end is None:
        return 0
    mask = 0
    for day in range(7):
        if work_days >> day & 1:
            for hour in _hours_between(start, end):
                mask |= 1 << ((day * 24 + hour) % HOURS_PER_WEEK)
    return mask


def availability_mask(availability: dict[str, list[list[str]]]) -> int:
    """Mask from {"mon": [["09:00", "17:00"], ...], ...}; unknown weekday keys are ignored."""
    key = tuple((name, tuple(tuple(span) for span in availability.get(name, ()))) for name in WEEKDAYS)
    return _availability_mask(key)


@lru_cache(maxsize=1 << 14)
def _availability_mask(availability: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]) -> int:
    mask = 0
    for day, (_, spans) in enumerate(availability):
        for span in spans:
            start, end = parse_hhmm(span[0]), parse_hhmm(span[1])
            for hour in _hours_between(start, end):
                mask |= 1 << ((day * 24 + hour) % HOURS_PER_WEEK)
    return mask


def overlap_share(available: int, shift: int) -> float | None:
    """Share of the shift's hours the person can work; None when either side is unknown."""
    if not available or not shift:
        return None
    return (available & shift).bit_count() / shift.bit_count()


def mask_words(mask: int) -> tuple[int, int, int]:
    """The mask as three 64-bit words (56 bits used each), for numpy."""
    return (mask & (2**56 - 1), (mask >> 56) & (2**56 - 1), (mask >> 112) & (2**56 - 1))


def weekday_bits(days: "list[str] | tuple[str, ...]") -> int:
    """["mon", "sat"] or ["月", "土"] -> bitmask; raises ValueError naming an unknown day."""
    bits = 0
    for day in days:
        key = day.strip().lower()
        if key in WEEKDAYS:
            bits |= 1 << WEEKDAYS.index(key)
        elif key in WEEKDAY_LABELS_JA:
            bits |= 1 << WEEKDAY_LABELS_JA.index(key)
        elif key:
            raise ValueError(f"unknown weekday {day!r}")
    return bits

"""Japanese text is compared after NFKC normalisation (full/half width, composed/decomposed kana)."""

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1 << 16)
def normalize(text: str) -> str:
    """NFKC, trimmed, case-folded: the form in which two strings are compared."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def normalize_all(values: "list[str] | tuple[str, ...]") -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        key = normalize(value)
        if key:
            seen.setdefault(key, None)
    return tuple(seen)

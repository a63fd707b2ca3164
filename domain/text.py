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


# Katakana ァ..ヶ (and ヽヾ) map to hiragana ぁ..ゖ (ゝゞ): the same sound in either script.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in (*range(0x30A1, 0x30F7), 0x30FD, 0x30FE)}


def search_form(text: str) -> str:
    """The form in which a search keyword and the searched text meet: NFKC (full/half width, composed
    kana), case-folded, katakana folded to hiragana, so ｶﾌｪ, カフェ and かふぇ are one word."""
    return normalize(text).translate(_KATAKANA_TO_HIRAGANA)


def search_words(text: str) -> tuple[str, ...]:
    """A search box's words in search form (NFKC turns the ideographic space into a plain one)."""
    return tuple(dict.fromkeys(search_form(text).split()))

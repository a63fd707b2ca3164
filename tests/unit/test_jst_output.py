"""Times a person reads are shown in JST; storage may hand back naive UTC."""

from datetime import UTC, datetime

from domain.jst import JST, as_jst


def test_as_jst_reads_naive_values_as_utc_and_keeps_none() -> None:
    assert as_jst(datetime(2026, 12, 3, 15, 30)) == datetime(2026, 12, 4, 0, 30, tzinfo=JST)
    assert as_jst(datetime(2026, 12, 3, 15, 30, tzinfo=UTC)).utcoffset() == JST.utcoffset(None)
    assert as_jst(None) is None

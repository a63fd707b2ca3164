"""ScannerPolicy: which fetches of a mail's links are machines'."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.link_scanners import ScannerPolicy, ScannerReason

SENT = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
POLICY = ScannerPolicy(window=timedelta(seconds=30))
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"


@pytest.mark.parametrize(
    ("agent", "after", "reason"),
    [
        (IPHONE, timedelta(minutes=5), None),
        (IPHONE, timedelta(seconds=29), ScannerReason.TOO_SOON),
        (IPHONE, timedelta(seconds=30), None),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"
         " BingPreview/1.0b", timedelta(hours=1), ScannerReason.SCANNER_AGENT),
        ("Microsoft Office Existence Discovery", timedelta(hours=1), ScannerReason.SCANNER_AGENT),
        ("python-requests/2.32", timedelta(hours=1), ScannerReason.SCANNER_AGENT),
        ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
         timedelta(minutes=10), None),  # Gmail's proxy fetches when the person opens
        ("", timedelta(hours=1), ScannerReason.NO_AGENT),
        (None, timedelta(hours=1), ScannerReason.NO_AGENT),
    ],
)  # fmt: skip
def test_reason(agent: str | None, after: timedelta, reason: ScannerReason | None) -> None:
    assert POLICY.reason(agent, SENT, SENT + after) is reason


def test_without_a_send_time_only_the_agent_decides() -> None:
    assert POLICY.reason(IPHONE, None, SENT) is None

"""Repository-wide pytest hooks.

With MAILSCORE_REQUIRE_SERVICES set (CI does), a test that skips because a service URL is missing fails
instead: CI must run the PostgreSQL and Redis tests, not pass over them.
"""

import os

import pytest

SERVICE_MARKERS = ("MAILSCORE_TEST_POSTGRES_URL", "MAILSCORE_TEST_REDIS_URL")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if not os.environ.get("MAILSCORE_REQUIRE_SERVICES") or not report.skipped:
        return
    reason = str(report.longrepr)
    if any(marker in reason for marker in SERVICE_MARKERS):
        report.outcome = "failed"
        report.longrepr = f"service test skipped while MAILSCORE_REQUIRE_SERVICES is set: {reason}"

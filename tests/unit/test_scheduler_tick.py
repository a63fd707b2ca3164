"""The scheduler's tick: firing due schedules and sweeping expired jobs each go on when the other fails."""

import logging
from types import TracebackType
from typing import Any

import pytest

from application.use_cases.fire_due_schedules import FireDueSchedules
from application.use_cases.sweep_expired_jobs import SweepExpiredJobs
from entrypoints.worker.scheduler import _tick


class _Step:
    def __init__(self, fails: bool, result: Any) -> None:
        self.fails, self.result, self.calls = fails, result, 0

    async def __call__(self) -> Any:
        self.calls += 1
        if self.fails:
            raise ConnectionError("database away")
        return self.result


class _Request:
    def __init__(self, steps: dict[type, _Step]) -> None:
        self._steps = steps

    async def __aenter__(self) -> "_Request":
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:  # fmt: skip
        pass

    async def get(self, kind: type) -> _Step:
        return self._steps[kind]


class _Container:
    def __init__(self, steps: dict[type, _Step]) -> None:
        self._steps = steps

    def __call__(self) -> _Request:
        return _Request(self._steps)


@pytest.mark.parametrize("failing", [FireDueSchedules, SweepExpiredJobs])
async def test_a_failing_step_is_logged_and_the_other_still_runs(
    failing: type, caplog: pytest.LogCaptureFixture
) -> None:
    steps = {  # when they work: nothing due (no firings), nothing expired (no sweep result)
        FireDueSchedules: _Step(failing is FireDueSchedules, []),
        SweepExpiredJobs: _Step(failing is SweepExpiredJobs, None),
    }
    with caplog.at_level(logging.ERROR, logger="mailscore.scheduler"):
        await _tick(_Container(steps))  # type: ignore[arg-type]
    assert steps[FireDueSchedules].calls == 1
    assert steps[SweepExpiredJobs].calls == 1
    failed = "firing due schedules failed" if failing is FireDueSchedules else "sweeping expired jobs failed"
    assert [r.getMessage().split(";")[0] for r in caplog.records] == [failed]

"""Terminal output: progress bars for long stages and the run summary (rich)."""

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from application.use_cases.run_daily_mail import RunSummary

STAGE_LABELS = {"scoring": "採点・ランキング scoring", "sending": "送信 sending", "loading": "読込 loading"}


class RichProgress:
    """ProgressReporter on rich progress bars; silent when the output is not a terminal."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=False, disable=not console.is_terminal,
        )  # fmt: skip
        self._tasks: dict[str, TaskID] = {}

    def start(self, stage: str, total: int | None) -> None:
        if not self._tasks:
            self._progress.start()
        self._tasks[stage] = self._progress.add_task(STAGE_LABELS.get(stage, stage), total=total)

    def advance(self, stage: str, amount: int = 1) -> None:
        if stage in self._tasks:
            self._progress.advance(self._tasks[stage], amount)

    def note(self, stage: str, message: str) -> None:
        """Printed whether or not the output is a terminal (above the bars when they are shown)."""
        self._progress.console.print(Text(message))

    def finish(self, stage: str) -> None:
        task = self._tasks.pop(stage, None)
        if task is not None:
            self._progress.update(task, completed=self._progress.tasks[task].total)
        if not self._tasks:
            self._progress.stop()


def print_summary(console: Console, summary: RunSummary) -> None:
    plan, send = summary.plan, summary.send
    table = Table(title=f"Daily mail — campaign {summary.campaign}, {summary.run_date} (JST)", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    if summary.retried is not None:
        rows = [("failed deliveries put back to send", f"{summary.retried:,}")]
    elif summary.planned_now:
        rows = [
            ("users in audience", f"{summary.users:,}"),
            ("open jobs", f"{summary.jobs:,}"),
            ("users planned this time", f"{plan.users_planned:,}"),
            ("pairs scored (users x jobs)", f"{plan.pairs_total:,}"),
            ("pairs in reach, computed", f"{plan.pairs_scored:,}"),
            ("pairs per second", f"{summary.pairs_per_second:,.0f}"),
        ]
    else:  # a run resumed after its planning was done: nothing was scored this time
        rows = [("planning", "done by an earlier start of this run")]
    rows += [
        ("mails sent now", f"{send.sent:,}"),
        ("failed now", f"{send.failed:,}"),
        ("refused for now, tried again later", f"{send.deferred:,}"),
    ]
    if send.suppressed:  # refused for good at RCPT TO: never mailed again
        rows.append(("addresses suppressed (5xx at RCPT TO)", f"{send.suppressed:,}"))
    if send.in_doubt:  # a sender died with these in flight: the relay may have taken them already
        rows.append(("in flight when a sender died (MAILSCORE_SEND_IN_DOUBT)", f"{send.in_doubt:,}"))
    rows += [(f"run total: {status}", f"{n:,}") for status, n in sorted(summary.status_counts.items())]
    rows += [(f"  reason: {reason}", f"{n:,}") for reason, n in sorted(summary.reason_counts.items())]
    rows += [
        ("time: loading", f"{summary.loading_seconds:.2f} s"),
        ("time: scoring + ranking", f"{plan.scoring_seconds:.2f} s"),
        ("time: writing plan", f"{plan.writing_seconds:.2f} s"),
        ("time: rendering + sending", f"{send.seconds:.2f} s"),
    ]
    for label, value in rows:
        table.add_row(Text(label), value)  # reasons can carry a server's text: never markup
    console.print(table)

"""The bounce mailbox on disk: a Maildir (`new/` and `cur/`) or a folder of `.eml` files."""

from dataclasses import dataclass, field
from pathlib import Path

from adapters.mail.dsn import UnreadableReport, parse_report
from domain.errors import InvalidInput
from domain.suppression import BounceReport


@dataclass
class MailboxReading:
    reports: list[BounceReport] = field(default_factory=list)
    files: int = 0
    problems: list[tuple[Path, str]] = field(default_factory=list)  # (file, why it was skipped)


def mailbox_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InvalidInput("DIR", f"not a directory: {directory}")
    if (directory / "new").is_dir() or (directory / "cur").is_dir():  # Maildir: every file is one mail
        folders = [directory / name for name in ("cur", "new") if (directory / name).is_dir()]
        return sorted(p for folder in folders for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".eml")


def read_mailbox(directory: Path) -> MailboxReading:
    """Every report in the folder; a file that cannot be read or is not a report is named in `problems`
    and skipped, and the rest are still read. Files are left where they are: reading them again later
    changes nothing (reports are recorded once)."""
    reading = MailboxReading()
    for path in mailbox_files(directory):
        reading.files += 1
        try:
            reading.reports.extend(parse_report(path.read_bytes()))
        except UnreadableReport as exc:
            reading.problems.append((path, str(exc)))
        except OSError as exc:
            reading.problems.append((path, f"cannot read: {exc.strerror or exc}"))
    return reading

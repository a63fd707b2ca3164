"""Mailer that writes each message to `<directory>/<delivery_id>.eml`: the embedded default and the
demo's way to look at what would have been sent."""

import asyncio
import contextlib
import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from application.ports import MailDeliveryError, OutgoingMail


class OutboxMailer:
    """One file per delivery, named by its id and written by rename, so a re-send replaces the file and a
    crash mid-write leaves either the old file or none, never a torn one. `fsync=True` also survives a
    power cut, at the cost of a disk flush per mail."""

    concurrency = 4  # files written at once, each in a worker thread
    replaces_on_resend = True  # a delivery's file, written again, replaces itself: never two mails

    def __init__(self, directory: Path, *, fsync: bool = False) -> None:
        self._directory = directory
        self._fsync = fsync

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        # Blocking file I/O stays off the event loop.
        return (await asyncio.to_thread(self._write_all, [mail]))[mail.delivery_id]

    def path_for(self, delivery_id: uuid.UUID) -> Path:
        return self._directory / f"{delivery_id}.eml"

    async def send_many(self, mails: Sequence[OutgoingMail]) -> dict[uuid.UUID, MailDeliveryError | None]:
        if not mails:
            return {}
        # One worker-thread hop for the whole batch: blocking file I/O stays off the event loop without
        # paying a thread switch per mail.
        return await asyncio.to_thread(self._write_all, list(mails))

    def _write_all(self, mails: list[OutgoingMail]) -> dict[uuid.UUID, MailDeliveryError | None]:
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            error = MailDeliveryError(f"outbox directory unusable: {exc}", permanent=False)
            return {mail.delivery_id: error for mail in mails}
        results: dict[uuid.UUID, MailDeliveryError | None] = {}
        for mail in mails:
            results[mail.delivery_id] = self._write_one(mail)
        if self._fsync:
            self._sync_directory()
        return results

    def _write_one(self, mail: OutgoingMail) -> MailDeliveryError | None:
        if not isinstance(mail.data, bytes | bytearray | memoryview) or not mail.data:
            return MailDeliveryError("message has no bytes to write", permanent=True)
        target = self.path_for(mail.delivery_id)
        temp_name: str | None = None
        try:
            fd, temp_name = tempfile.mkstemp(prefix=f".{mail.delivery_id}.", suffix=".tmp", dir=self._directory)
            with os.fdopen(fd, "wb") as handle:
                handle.write(mail.data)
                if self._fsync:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(temp_name, target)
        except OSError as exc:  # disk full, permissions: may succeed later
            if temp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp_name)
            return MailDeliveryError(f"cannot write {target.name}: {exc}", permanent=False)
        return None

    def _sync_directory(self) -> None:
        # The renames are durable only once the directory entry is flushed (POSIX; no-op elsewhere).
        try:
            dir_fd = os.open(self._directory, os.O_RDONLY)
        except OSError:
            return
        try:
            with contextlib.suppress(OSError):
                os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    async def close(self) -> None:
        return None

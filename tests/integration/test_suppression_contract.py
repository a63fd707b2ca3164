"""The suppression repository's contract, on in-memory, SQLite and PostgreSQL alike."""

import uuid
from datetime import UTC, datetime

from domain.suppression import BounceEvent, BounceKind, Suppression
from tests.conftest import UowFactory

NOW = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)


def event(report_key: str, email: str, kind: BounceKind = BounceKind.SOFT) -> BounceEvent:
    return BounceEvent(report_key, email, kind, "4.2.2", "mailbox full", NOW, uuid.uuid4())


async def test_an_event_is_recorded_once_per_report_and_address(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.suppressions.add_event(event("<r1@mx>", "Hanako@Example.JP"))
        assert not await uow.suppressions.add_event(event("<r1@mx>", "hanako@example.jp"))  # same, normalized
        assert await uow.suppressions.add_event(event("<r1@mx>", "taro@example.jp"))  # same report, other rcpt
        assert await uow.suppressions.add_event(event("<r2@mx>", "hanako@example.jp"))
        await uow.suppressions.add_event(event("<r3@mx>", "hanako@example.jp", BounceKind.HARD))
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.suppressions.add_event(event("<r2@mx>", "hanako@example.jp"))
        assert await uow.suppressions.soft_count(" HANAKO@example.jp ") == 2  # hard ones are not soft
        assert await uow.suppressions.soft_count("nobody@example.jp") == 0


async def test_suppression_keeps_the_first_reason_and_is_found_case_blind(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        first = Suppression("Yuki..Chan.@docomo.ne.jp", BounceKind.HARD, "550 unknown user", NOW)
        assert await uow.suppressions.suppress(first)
        assert not await uow.suppressions.suppress(Suppression("yuki..chan.@docomo.ne.jp", BounceKind.COMPLAINT,
                                                               "abuse", NOW))  # fmt: skip
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.suppressions.get("YUKI..CHAN.@DOCOMO.NE.JP")
        assert found is not None
        assert found.kind is BounceKind.HARD
        assert found.reason == "550 unknown user"
        assert found.created_at == NOW
        assert await uow.suppressions.get("other@docomo.ne.jp") is None
        many = [f"user{i}@example.jp" for i in range(1200)] + ["yuki..chan.@docomo.ne.jp"]
        assert await uow.suppressions.suppressed_among(many) == {"yuki..chan.@docomo.ne.jp"}
        assert await uow.suppressions.suppressed_among([]) == set()


async def test_nothing_is_suppressed_unless_committed(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        await uow.suppressions.suppress(Suppression("gone@example.jp", BounceKind.HARD, "x", NOW))
    async with uow_factory() as uow:
        assert await uow.suppressions.get("gone@example.jp") is None

import email
import email.policy
import uuid
from pathlib import Path

from adapters.mail.outbox import OutboxMailer
from application.ports import MailDeliveryError, OutgoingMail


def names(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir()]


def make_directory(path: Path) -> None:
    path.mkdir()


def mail(data: bytes = b"Subject: hi\r\n\r\nbody\r\n", delivery_id: uuid.UUID | None = None) -> OutgoingMail:
    return OutgoingMail(
        delivery_id=delivery_id or uuid.uuid4(),
        message_id="<m@example.jp>",
        envelope_from="noreply@example.jp",
        recipient="hanako@example.com",
        subject="hi",
        data=data,
    )


async def test_writes_one_eml_per_delivery(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path / "outbox")
    mails = [mail(f"Subject: {n}\r\n\r\nbody {n}\r\n".encode()) for n in range(3)]
    result = await outbox.send_many(mails)
    assert result == {m.delivery_id: None for m in mails}
    for m in mails:
        path = tmp_path / "outbox" / f"{m.delivery_id}.eml"
        assert path.read_bytes() == m.data
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert parsed["Subject"] == m.data.split(b"\r\n")[0].decode().removeprefix("Subject: ")
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == sorted(
        f"{m.delivery_id}.eml" for m in mails
    )


async def test_resending_a_delivery_overwrites_never_duplicates(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path, fsync=True)
    delivery_id = uuid.uuid4()
    await outbox.send_many([mail(b"first\r\n", delivery_id)])
    result = await outbox.send_many([mail(b"second\r\n", delivery_id), mail(b"third\r\n", delivery_id)])
    assert result == {delivery_id: None}
    assert names(tmp_path) == [f"{delivery_id}.eml"]  # no temp files left
    assert outbox.path_for(delivery_id).read_bytes() == b"third\r\n"


async def test_empty_message_is_a_permanent_error_for_that_mail_only(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path)
    good, bad = mail(), mail(b"")
    result = await outbox.send_many([good, bad])
    assert result[good.delivery_id] is None
    error = result[bad.delivery_id]
    assert isinstance(error, MailDeliveryError)
    assert error.permanent


async def test_one_unwritable_target_fails_alone_and_transiently(tmp_path: Path) -> None:
    good, bad = mail(), mail()
    make_directory(tmp_path / f"{bad.delivery_id}.eml")  # os.replace cannot overwrite a directory
    result = await OutboxMailer(tmp_path).send_many([bad, good])
    assert result[good.delivery_id] is None
    error = result[bad.delivery_id]
    assert isinstance(error, MailDeliveryError)
    assert not error.permanent
    assert sorted(names(tmp_path)) == sorted([f"{good.delivery_id}.eml", f"{bad.delivery_id}.eml"])


async def test_directory_that_is_a_file_gives_transient_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a directory")
    m = mail()
    result = await OutboxMailer(blocker).send_many([m])
    error = result[m.delivery_id]
    assert isinstance(error, MailDeliveryError)
    assert not error.permanent


async def test_nothing_to_send(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path / "never-created")
    assert await outbox.send_many([]) == {}
    await outbox.close()
    assert not (tmp_path / "never-created").exists()

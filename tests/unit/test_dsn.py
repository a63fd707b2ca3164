"""Reading returned mail: the realistic fixtures in tests/fixtures/bounces, and the classification rules."""

from pathlib import Path

import pytest

from adapters.mail.bounce_mailbox import read_mailbox
from adapters.mail.dsn import UnreadableReport, parse_report
from domain.suppression import BounceKind, classify

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
OUR_ID = "<5d0c2a4e7b1f4c8e9a632f4b8d1e0c71.a1b2c3d40001{}@mailscore.example.jp>"


def read(name: str) -> list:  # type: ignore[type-arg]
    return parse_report((FIXTURES / name).read_bytes())


def test_postfix_dsn_user_unknown_is_hard_with_the_verp_sender_and_the_returned_message_id() -> None:
    [report] = read("postfix_user_unknown.eml")
    assert report.kind is BounceKind.HARD
    assert (report.recipient, report.status) == ("tanaka.hanako@example.ne.jp", "5.1.1")
    assert "User unknown" in report.diagnostic
    assert (
        report.message_id == "<5d0c2a4e7b1f4c8e9a632f4b8d1e0c71.a1b2c3d4000140008000000000000001@mailscore.example.jp>"
    )
    assert report.envelope_addresses[0].startswith("no-reply+0f6a1d7e3c2b4e598a10b7c4d2e9f301-")
    assert report.report_key == "<20261202230114.4Qw8Lk1Zx9z9sWS@relay.mailscore.example.jp>"


def test_gmail_mailbox_full_is_soft_and_its_message_id_comes_from_the_returned_headers_part() -> None:
    [report] = read("gmail_mailbox_full.eml")
    assert (report.kind, report.status, report.recipient) == (BounceKind.SOFT, "4.2.2", "sato.kenta@gmail.com")
    assert report.message_id is not None
    assert report.message_id.endswith("000000000002@mailscore.example.jp>")
    assert report.envelope_addresses == ("no-reply@mailscore.example.jp",)  # no VERP: only the headers tell


def test_carrier_plain_text_bounce_in_iso_2022_jp_is_read_from_its_smtp_reply() -> None:
    [report] = read("docomo_user_unknown.eml")
    assert report.kind is BounceKind.HARD
    assert report.recipient == "yuki..chan.@docomo.ne.jp"  # the old carrier address, dots and all
    assert report.diagnostic == "550 Unknown user yuki..chan.@docomo.ne.jp"
    assert report.message_id is not None
    assert report.message_id.endswith("000000000003@mailscore.example.jp>")


def test_arf_abuse_report_is_a_complaint_about_the_original_recipient() -> None:
    [report] = read("arf_complaint.eml")
    assert (report.kind, report.recipient) == (BounceKind.COMPLAINT, "suzuki.aoi@yahoo.co.jp")
    assert report.message_id is not None
    assert report.message_id.endswith("000000000004@mailscore.example.jp>")


@pytest.mark.parametrize(("name", "why"), [("empty.eml", "empty file"), ("not_a_report.eml", "not a delivery")])
def test_what_is_not_a_report_says_why(name: str, why: str) -> None:
    with pytest.raises(UnreadableReport, match=why):
        read(name)


def test_a_delay_warning_fails_nothing() -> None:
    data = (FIXTURES / "postfix_user_unknown.eml").read_bytes().replace(b"Action: failed", b"Action: delayed")
    assert parse_report(data) == []


def test_a_not_spam_feedback_report_holds_nothing_against_the_address() -> None:
    data = (FIXTURES / "arf_complaint.eml").read_bytes().replace(b"Feedback-Type: abuse", b"Feedback-Type: not-spam")
    assert parse_report(data) == []


@pytest.mark.parametrize(
    ("action", "status", "diagnostic", "kind"),
    [
        ("failed", "5.1.1", "", BounceKind.HARD),
        ("failed", "5.2.2", "smtp; 552 5.2.2 mailbox full", BounceKind.SOFT),  # a full phone recovers
        ("failed", "4.4.7", "", BounceKind.SOFT),
        ("failed", "", "smtp; 550 user unknown", BounceKind.HARD),
        ("failed", "", "smtp; 421 try later", BounceKind.SOFT),
        ("delayed", "4.4.1", "", None),
        ("delivered", "2.0.0", "", None),
        ("", "", "no code at all", None),
    ],
)
def test_classify(action: str, status: str, diagnostic: str, kind: BounceKind | None) -> None:
    assert classify(action, status, diagnostic) is kind


def test_a_folder_reports_bad_files_by_name_and_reads_the_rest(tmp_path: Path) -> None:
    for fixture in FIXTURES.iterdir():
        (tmp_path / fixture.name).write_bytes(fixture.read_bytes())
    (tmp_path / "notes.txt").write_text("not a mail file")  # only .eml in a plain folder
    reading = read_mailbox(tmp_path)
    assert reading.files == 6
    assert sorted(p.name for p, _ in reading.problems) == ["empty.eml", "not_a_report.eml"]
    assert len(reading.reports) == 4


def test_a_maildir_reads_every_file_in_new_and_cur(tmp_path: Path) -> None:
    for sub in ("new", "cur", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "new" / "1764716474.M1P2.mx1").write_bytes((FIXTURES / "postfix_user_unknown.eml").read_bytes())
    (tmp_path / "cur" / "1764716475.M2P2.mx1:2,S").write_bytes((FIXTURES / "arf_complaint.eml").read_bytes())
    (tmp_path / "tmp" / "1764716476.M3P2.mx1").write_bytes(b"half written")
    reading = read_mailbox(tmp_path)
    assert (reading.files, reading.problems) == (2, [])
    assert {r.kind for r in reading.reports} == {BounceKind.HARD, BounceKind.COMPLAINT}

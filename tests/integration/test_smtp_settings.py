"""MAILSCORE_SMTP_URL parsing (pure; lives next to the SMTP mailer's integration tests)."""

import logging

import pytest

from adapters.mail.smtp import SmtpSettings


def test_plain_url_with_defaults() -> None:
    s = SmtpSettings.from_url("smtp://relay.example.jp")
    assert (s.host, s.port, s.security, s.username, s.password) == (
        "relay.example.jp",
        25,
        "opportunistic",
        None,
        None,
    )
    assert (s.pool_size, s.timeout, s.validate_certs, s.max_rate) == (4, 10.0, True, None)


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        ("smtp://h", "opportunistic", 25),
        ("smtp+starttls://h", "starttls", 587),
        ("smtps://h", "tls", 465),
        ("smtps://h:2465", "tls", 2465),
    ],
)
def test_schemes(url: str, security: str, port: int) -> None:
    s = SmtpSettings.from_url(url)
    assert (s.security, s.port) == (security, port)


def test_credentials_and_query_parameters() -> None:
    s = SmtpSettings.from_url(
        "smtp+starttls://mailer%40example.jp:p%40ss%3Aw0rd@smtp.example.jp:587?pool=8&timeout=2.5&verify=false&helo=mx1&rate=800"
    )
    assert (s.username, s.password) == ("mailer@example.jp", "p@ss:w0rd")
    assert (s.pool_size, s.timeout, s.validate_certs, s.local_hostname, s.max_rate) == (
        8,
        2.5,
        False,
        "mx1",
        800.0,
    )


def test_empty_user_means_no_auth() -> None:
    # aiosmtplib attempts AUTH for an empty user name
    assert SmtpSettings.from_url("smtp://@h:25").username is None


def test_password_never_shows(caplog: pytest.LogCaptureFixture) -> None:
    s = SmtpSettings.from_url("smtps://user:Secret123@smtp.example.jp")
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings %s %r", s, s)
    for text in (repr(s), str(s), f"{s}", caplog.text, s.redacted_url()):
        assert "Secret123" not in text
    assert "user:***@smtp.example.jp:465" in repr(s)


@pytest.mark.parametrize(
    "url",
    [
        "http://h",
        "smtp://",
        "smtp://h:99999",
        "smtp://h:port",
        "smtp://h?pool=0",
        "smtp://h?pool=1.5",
        "smtp://h?pool=100",
        "smtp://h?timeout=-1",
        "smtp://h?timeout=abc",
        "smtp://h?verify=maybe",
        "smtp://h?rate=0",
        "smtp://h?poool=4",
    ],
)
def test_bad_urls_fail_fast(url: str) -> None:
    with pytest.raises(ValueError):
        SmtpSettings.from_url(url)


def test_errors_do_not_echo_the_password() -> None:
    with pytest.raises(ValueError) as caught:
        SmtpSettings.from_url("smtp://user:Secret123@h?pool=x")
    assert "Secret123" not in str(caught.value)


def test_settings_are_frozen() -> None:
    s = SmtpSettings.from_url("smtp://h")
    with pytest.raises(AttributeError):
        s.host = "other"  # type: ignore[misc]

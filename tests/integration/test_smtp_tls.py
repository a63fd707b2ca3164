"""SmtpMailer over STARTTLS and implicit TLS with AUTH, against aiosmtpd on loopback with a throwaway
self-signed certificate (made with the openssl command)."""

import logging
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from adapters.mail.smtp import SmtpMailer, SmtpSettings
from tests.faulty_relay import free_port
from tests.integration.test_smtp_mailer import composed

PASSWORD = "s3cret-パス"  # a test relay's password
# aiosmtpd cannot tell that an implicit-TLS socket is encrypted and warns about AUTH without TLS
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class TlsRecorder:
    def __init__(self) -> None:
        self.received: list[tuple[str, bool, str | None]] = []  # recipient, over TLS, authenticated user

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert server.transport is not None
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append((envelope.rcpt_tos[0], tls, session.auth_data))
        return "250 accepted"


def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = data.login == b"mailer" and data.password == PASSWORD.encode()
    return AuthResult(success=ok, auth_data=data.login.decode() if ok else None)


def context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*map(str, certificate))
    return ctx


@pytest.fixture
def starttls_relay(certificate: tuple[Path, Path]) -> Iterator[tuple[int, TlsRecorder]]:
    handler = TlsRecorder()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), tls_context=context(certificate), require_starttls=True,
        authenticator=authenticate, auth_required=True, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


@pytest.fixture
def implicit_tls_relay(certificate: tuple[Path, Path]) -> Iterator[tuple[int, TlsRecorder]]:
    handler = TlsRecorder()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), ssl_context=context(certificate),
        # the socket itself is TLS, which aiosmtpd's own check for AUTH does not see
        authenticator=authenticate, auth_required=True, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


async def send(url: str, n: int = 3) -> list[Any]:
    mailer = SmtpMailer(SmtpSettings.from_url(url), reconnects=0)
    try:
        return [await mailer.send(composed(i)) for i in range(n)]
    finally:
        await mailer.close()


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtp"])  # required, and taken when offered
async def test_starttls_with_auth(starttls_relay: tuple[int, TlsRecorder], scheme: str) -> None:
    port, handler = starttls_relay
    results = await send(f"{scheme}://mailer:s3cret-%E3%83%91%E3%82%B9@127.0.0.1:{port}?verify=0&pool=1")
    assert results == [None, None, None]
    assert handler.received == [(f"user{i}@example.com", True, "mailer") for i in range(3)]


async def test_implicit_tls_with_auth(implicit_tls_relay: tuple[int, TlsRecorder]) -> None:
    port, handler = implicit_tls_relay
    results = await send(f"smtps://mailer:s3cret-%E3%83%91%E3%82%B9@127.0.0.1:{port}?verify=0&pool=1")
    assert results == [None, None, None]
    assert [tls for _, tls, _ in handler.received] == [True, True, True]


async def test_an_untrusted_certificate_is_refused_by_default(implicit_tls_relay: tuple[int, TlsRecorder]) -> None:
    port, handler = implicit_tls_relay
    (error,) = await send(f"smtps://mailer:x@127.0.0.1:{port}?pool=1", n=1)
    assert error is not None
    assert error.relay_down  # about the relay, not the message: the run stops with the rest pending
    assert handler.received == []


async def test_a_refused_password_is_never_logged(
    starttls_relay: tuple[int, TlsRecorder], caplog: pytest.LogCaptureFixture
) -> None:
    port, _ = starttls_relay
    caplog.set_level(logging.DEBUG)
    url = f"smtp+starttls://mailer:wrong-Secret-99@127.0.0.1:{port}?verify=0&pool=1"
    (error,) = await send(url, n=1)
    assert error is not None
    assert error.relay_down
    assert "wrong-Secret-99" not in caplog.text
    assert "wrong-Secret-99" not in str(error)
    assert "wrong-Secret-99" not in repr(SmtpSettings.from_url(url))

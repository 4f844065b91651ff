"""The SMTP adapter against a real server (aiosmtpd): STARTTLS and login, implicit TLS, and
each kind of refusal sorted into "retry later" or "give up"; the password never logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.integrations.mail import MailRefused, MailUnavailable, SmtpMailer, SmtpSettings
from tests.harness import free_port
from tests.smtp_server import MailServer, accept_login, server_tls, tls_certificate

PASSWORD = "s3cret/p@ss word"  # url-encoded in the URL: s3cret%2Fp%40ss%20word
ENCODED = "s3cret%2Fp%40ss%20word"


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "status@example.com", "a@example.com", "Hello"
    mail.set_content("Service update")
    return mail


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A self-signed certificate the client trusts through SSL_CERT_FILE (a private CA)."""
    cert, key = tls_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[MailServer]:
    """STARTTLS required, then a login (only over TLS, as aiosmtpd insists)."""
    server = MailServer(
        tls_context=server_tls(*certificate),
        require_starttls=True,
        auth_required=True,
        authenticator=accept_login("warroom", PASSWORD),
    ).start()
    yield server
    server.stop()


def test_starttls_and_login_from_the_url(tls_server: MailServer) -> None:
    url = tls_server.url(query="starttls=true", login=f"warroom:{ENCODED}")
    mailer = SmtpMailer(SmtpSettings.from_url(url))
    assert mailer.send(message(), ["a@example.com"]) == {}
    [mail] = tls_server.received
    assert mail.recipients == ["a@example.com"] and mail.message["Subject"] == "Hello"


def test_a_wrong_password_is_refused_for_good_and_never_logged(
    tls_server: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = tls_server.url(query="starttls=true", login="warroom:not-the-password")
    with pytest.raises(MailRefused, match="refused Warroom's login") as refused:
        SmtpMailer(SmtpSettings.from_url(url)).send(message(), ["a@example.com"])
    assert "not-the-password" not in str(refused.value)
    assert "not-the-password" not in caplog.text
    assert "not-the-password" not in repr(SmtpSettings.from_url(url))
    assert tls_server.received == []


def test_a_server_without_starttls_is_refused_when_the_url_asks_for_it(
    mail_server: MailServer,
) -> None:
    mailer = SmtpMailer(SmtpSettings.from_url(mail_server.url(query="starttls=true")))
    with pytest.raises(MailRefused, match="STARTTLS"):
        mailer.send(message(), ["a@example.com"])
    assert mail_server.received == []


def test_implicit_tls_with_smtps(certificate: tuple[Path, Path]) -> None:
    server = MailServer(ssl_context=server_tls(*certificate)).start()
    try:
        SmtpMailer(SmtpSettings.from_url(server.url("smtps"))).send(message(), ["a@example.com"])
        assert len(server.received) == 1
    finally:
        server.stop()


def test_an_untrusted_certificate_is_refused_for_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = MailServer(tls_context=server_tls(*tls_certificate(tmp_path))).start()
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the system's CAs do not know it
    try:
        mailer = SmtpMailer(SmtpSettings.from_url(server.url(query="starttls=true")))
        with pytest.raises(MailRefused, match="certificate"):
            mailer.send(message(), ["a@example.com"])
    finally:
        server.stop()


def test_refusals_are_sorted_into_retry_later_and_give_up(mail_server: MailServer) -> None:
    mailer = SmtpMailer(SmtpSettings.from_url(mail_server.url()))
    mail_server.handler.data_replies = ["451 4.3.0 Try again later", "554 5.7.1 Rejected"]
    with pytest.raises(MailUnavailable, match=r"451 4\.3\.0 Try again later"):
        mailer.send(message(), ["a@example.com"])
    with pytest.raises(MailRefused, match=r"554 5\.7\.1 Rejected"):
        mailer.send(message(), ["a@example.com"])
    mail_server.handler.refused_recipients = {"b@example.com": "550 5.1.1 No such user"}
    refused = mailer.send(message(), ["a@example.com", "b@example.com"])
    assert {to: str(r) for to, r in refused.items()} == {"b@example.com": "550 5.1.1 No such user"}
    assert refused["b@example.com"].permanent
    assert [m.recipients for m in mail_server.received] == [["a@example.com"]]


def test_a_refused_connection_is_retried_later() -> None:
    mailer = SmtpMailer(SmtpSettings.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=2"))
    with pytest.raises(MailUnavailable, match="ConnectionRefused"):
        mailer.send(message(), ["a@example.com"])

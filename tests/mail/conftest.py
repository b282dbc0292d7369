"""A real SMTP server on loopback (aiosmtpd) and helpers to read what it received."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every accepted message; refuses listed recipients with 550."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()
        self.raw: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.raw.append(envelope.original_content)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_port(app, monkeypatch) -> int:
    """Point the app at a loopback port (nothing listens there yet)."""
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    return port


@pytest.fixture
def smtp_down(smtp_port) -> Iterator[SmtpServer]:
    """A mail server that is not running yet: `.start()` brings it up."""
    server = SmtpServer(smtp_port)
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_down) -> SmtpServer:
    smtp_down.start()
    return smtp_down


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


LINK = re.compile(r"https?://[^\s\"<>]+/(?:confirm|withdraw|correct)/[^\s\"<>]+")


def link(message: EmailMessage, kind: str) -> str:
    """The path and query of the mail's confirm or withdraw link, for the test client."""
    for url in LINK.findall(text_part(message)):
        parts = urlsplit(url)
        if parts.path.startswith(f"/{kind}/"):
            assert url.startswith("http://petitions.example.org/"), url
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    raise AssertionError(f"no {kind} link in the mail")

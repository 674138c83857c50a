"""Real mail through a local SMTP server, and the EMAIL_URL setting that picks the transport."""

import os
import socket
import subprocess
import sys
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from consent.dsr.models import DataSubjectRequest
from tests.dsr.conftest import LINK

ROOT = Path(__file__).resolve().parents[2]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_inbox(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield inbox
    finally:
        controller.stop()


def test_the_identity_link_arrives_through_a_real_smtp_server(client, site, smtp_inbox):
    response = client.post(
        f"/privacy/requests/{site.key}/", {"right": "access", "jurisdiction": "eu", "email": "ann@example.net"}
    )
    assert response.status_code == 200
    [message] = smtp_inbox.messages
    assert message["To"] == "ann@example.net"
    body = message.get_payload(decode=True).decode()
    link = LINK.search(body)
    assert link is not None
    assert client.post("/" + link.group(0).split("/", 3)[3]).status_code == 200
    assert DataSubjectRequest.objects.get().status == "verified"


def _mail_settings(email_url: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='consent.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS)"
    )
    env = {**os.environ, "DEBUG": "1", "EMAIL_URL": email_url}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_email_url_configures_smtp_with_credentials():
    done = _mail_settings("smtp://mailer:p%40ss@mail.example:2525")
    assert done.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example",
        "2525",
        "mailer",
        "p@ss",
        "True",
    ]


def test_a_bad_email_url_fails_loudly_naming_the_setting():
    done = _mail_settings("http://mail.example")
    assert done.returncode != 0
    assert "EMAIL_URL" in done.stderr

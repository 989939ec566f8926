"""Each backend against what it talks to: a file, stdout, Django's mail framework, an HTTP gateway."""

from __future__ import annotations

import json
import smtplib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from zhili.notify import services
from zhili.notify.backends import ConsoleBackend, FileBackend, HttpSmsBackend, Rejected
from zhili.notify.models import Notification, Status
from zhili.notify.tests.conftest import Outbox

pytestmark = pytest.mark.django_db


def sms(body: str = "您的事项 LS-2026-000123 已办结，请评价。") -> Notification:
    return services.enqueue("sms", "13800138000", "", body, purpose="matter_status")


def email() -> Notification:
    return services.enqueue(
        "email", "resident@example.org", "事项办理进度", "您的事项已转交承办单位。", purpose="matter_status"
    )


def test_file_backend_appends_one_json_line_per_notice_in_readable_chinese(outbox: Outbox) -> None:
    first, second = sms("第一条"), sms("第二条")
    FileBackend().send(first)
    FileBackend().send(second)
    assert [line["body"] for line in outbox.lines("sms")] == ["第一条", "第二条"]
    assert "第一条" in (outbox.directory / "sms.log").read_text(encoding="utf-8")
    FileBackend().send(email())
    assert [line["subject"] for line in outbox.lines("email")] == ["事项办理进度"]


def test_console_backend_prints_the_notice(capsys: pytest.CaptureFixture[str]) -> None:
    notification = email()
    assert ConsoleBackend().send(notification) is None
    printed = capsys.readouterr().out
    assert "resident@example.org" in printed
    assert "事项办理进度" in printed
    assert "您的事项已转交承办单位。" in printed


def test_email_goes_through_djangos_mail_framework(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFY_EMAIL_BACKEND = "zhili.notify.backends.DjangoEmailBackend"
    settings.DEFAULT_FROM_EMAIL = "治理平台 <noreply@zhili.example.org>"
    notification = email()
    services.deliver(notification.pk)
    [message] = mail.outbox
    assert message.to == ["resident@example.org"]
    assert message.subject == "事项办理进度"
    assert message.body == "您的事项已转交承办单位。"
    assert message.from_email == "治理平台 <noreply@zhili.example.org>"
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.provider_id == f"<zhili-notice-{notification.pk}@zhili.example.org>"
    assert message.extra_headers["Message-ID"] == notification.provider_id


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPRecipientsRefused({"resident@example.org": (550, b"no such user")})


def test_a_refused_mail_recipient_fails_at_once(settings: Any) -> None:
    settings.EMAIL_BACKEND = "zhili.notify.tests.test_backends.RefusingMailServer"
    settings.NOTIFY_EMAIL_BACKEND = "zhili.notify.backends.DjangoEmailBackend"
    notification = services.deliver(email().pk)
    assert notification is not None
    assert (notification.status, notification.attempts) == (Status.FAILED, 1)
    assert "recipient refused" in notification.last_error


class Gateway(ThreadingHTTPServer):
    """A local SMS gateway that answers with the next queued (status, body) and keeps requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.answers: list[tuple[int, bytes]] = []
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send"


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((dict(self.headers), payload))
        status, body = self.server.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.backends.HttpSmsBackend"
    settings.NOTIFY_SMS_GATEWAY = {"url": server.url, "token": "secret-token", "sign": "治理平台"}
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_gateway_gets_the_signed_text_and_an_idempotency_key(gateway: Gateway) -> None:
    gateway.answers.append((200, b'{"id": "gw-42"}'))
    notification = services.deliver(sms().pk)
    assert notification is not None
    assert (notification.status, notification.provider_id) == (Status.SENT, "gw-42")
    [(headers, payload)] = gateway.requests
    assert payload == {
        "to": "13800138000",
        "sign": "治理平台",
        "text": "【治理平台】您的事项 LS-2026-000123 已办结，请评价。",
        "reference": f"zhili-notice-{notification.pk}",
    }
    assert headers["Authorization"] == "Bearer secret-token"
    assert headers["Idempotency-Key"] == payload["reference"]


def test_http_gateway_errors_are_retried_and_refusals_are_not(gateway: Gateway) -> None:
    gateway.answers += [(503, b'{"error": "busy"}'), (400, b'{"error": "invalid number"}')]
    unavailable = services.deliver(sms().pk)
    refused = services.deliver(sms().pk)
    assert unavailable is not None and refused is not None
    assert unavailable.status == Status.PENDING
    assert "503" in unavailable.last_error
    assert refused.status == Status.FAILED
    assert "invalid number" in refused.last_error


def test_http_gateway_accepting_without_json_still_counts_as_sent(gateway: Gateway) -> None:
    gateway.answers.append((202, b"OK"))
    assert HttpSmsBackend().send(sms()) is None


def test_rejected_is_not_a_transient_error() -> None:
    assert not issubclass(Rejected, ConnectionError | OSError)

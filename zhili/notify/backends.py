"""How a notice leaves Zhili. One backend per channel, chosen by dotted path in the settings
(ZHILI_SMS_BACKEND, ZHILI_EMAIL_BACKEND) and validated at start-up by zhili.notify.conf.

A backend sends one notice and returns the provider's message id (or None). Any exception means
"try again later"; `Rejected` means "retrying cannot help" (a malformed number, a refused
address) and fails the notice at once. This module is imported while the settings load, so it
must not import models or read settings at import time.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from zhili.notify.models import Notification

SMS = "sms"
EMAIL = "email"


class Rejected(Exception):
    """The provider refused this notice for good; retrying would only be refused again."""


class Backend:
    """Base class of notice backends."""

    channels: ClassVar[frozenset[str]] = frozenset({SMS, EMAIL})

    def send(self, notification: Notification) -> str | None:
        raise NotImplementedError


def _record(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "time": timezone.now().isoformat(),
        "channel": notification.channel,
        "to": notification.recipient,
        "subject": notification.subject,
        "body": notification.body,
        "purpose": notification.purpose,
    }


class FileBackend(Backend):
    """Appends one JSON line per notice to VAR_DIR/outbox/<channel>.log: how the embedded demo and
    a training installation "send". Nothing reaches a phone or a mailbox."""

    def send(self, notification: Notification) -> str | None:
        directory = Path(settings.VAR_DIR) / "outbox"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{notification.channel}.log"
        line = json.dumps(_record(notification), ensure_ascii=False) + "\n"
        # One write of one line in append mode: lines from several workers never interleave.
        with path.open("a", encoding="utf-8") as log:
            log.write(line)
        return f"{path.name}#{notification.pk}"


class ConsoleBackend(Backend):
    """Prints each notice to standard output, for development."""

    def send(self, notification: Notification) -> str | None:
        record = _record(notification)
        lines = [f"--- {record['channel']} #{record['id']} to {record['to']} ({record['purpose']})"]
        if notification.subject:
            lines.append(notification.subject)
        lines.append(notification.body)
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        return None


class FailingBackend(Backend):
    """Fails every time, like a gateway that is down: for tests and failure drills."""

    def send(self, notification: Notification) -> str | None:
        raise ConnectionError("FailingBackend: the gateway is unreachable (drill)")


class DjangoEmailBackend(Backend):
    """E-mail through Django's mail framework: SMTP with the EMAIL_* settings in production."""

    channels = frozenset({EMAIL})

    def send(self, notification: Notification) -> str | None:
        import smtplib

        from django.core.mail import EmailMessage

        sender = settings.DEFAULT_FROM_EMAIL
        domain = parseaddr(sender)[1].rpartition("@")[2] or "zhili.invalid"
        # The same Message-ID on every attempt: if a retry repeats a message the server had in
        # fact accepted, mail clients that de-duplicate by Message-ID show it once.
        message_id = f"<zhili-notice-{notification.pk}@{domain}>"
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=sender,
            to=[notification.recipient],
            headers={"Message-ID": message_id},
        )
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Rejected(f"recipient refused by the mail server: {exc.recipients}") from exc
        return message_id


class HttpSmsBackend(Backend):
    """SMS through a JSON-over-HTTP gateway (ZHILI_SMS_URL, ZHILI_SMS_TOKEN, ZHILI_SMS_SIGN).

    POSTs {"to", "sign", "text", "reference"} with `Authorization: Bearer <token>` and an
    `Idempotency-Key` equal to `reference`, so a gateway that honours it drops a repeated
    attempt. `text` starts with the signature 【sign】: Chinese carriers deliver only messages
    that carry a signature registered with them. A 2xx answer is accepted and may carry the
    gateway's id as "id" or "message_id"; 4xx other than 408/429 is a rejection; anything else,
    including no answer within `timeout` seconds, is retried.
    """

    channels = frozenset({SMS})
    timeout = 15

    def send(self, notification: Notification) -> str | None:
        gateway = settings.NOTIFY_SMS_GATEWAY
        reference = f"zhili-notice-{notification.pk}"
        payload = {
            "to": notification.recipient,
            "sign": gateway["sign"],
            "text": f"【{gateway['sign']}】{notification.body}",
            "reference": reference,
        }
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": reference}
        if gateway["token"]:
            headers["Authorization"] = f"Bearer {gateway['token']}"
        request = urllib.request.Request(  # noqa: S310 - the URL is checked to be http(s) at start-up
            gateway["url"], data=json.dumps(payload, ensure_ascii=False).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            if 400 <= exc.code < 500 and exc.code not in {408, 429}:
                raise Rejected(f"HTTP {exc.code} from the SMS gateway: {detail}") from exc
            raise ConnectionError(f"HTTP {exc.code} from the SMS gateway: {detail}") from exc
        try:
            data = json.loads(answer) if answer.strip() else {}
        except ValueError:
            data = {}  # accepted (2xx) but no JSON: still sent, just without the gateway's id
        message_id = (data.get("id") or data.get("message_id")) if isinstance(data, dict) else None
        return str(message_id)[:200] if message_id else None

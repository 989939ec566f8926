"""`zhili notify-status`: how many notices are in each state, and what is holding up the queue."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from zhili.notify import services
from zhili.notify.models import Notification, Status


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}" if value else "-"


class Command(BaseCommand):
    help = "Show the notice outbox: counts per status, the oldest pending notice and the latest failures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--failures", type=int, default=10, help="how many recent failures to list (default 10)")

    def handle(self, *args: Any, failures: int, **options: Any) -> None:
        now = timezone.now()
        for status, count in services.counts().items():
            self.stdout.write(f"{status:<10} {count:>8}")
        oldest = Notification.objects.filter(status=Status.PENDING).order_by("created_at", "pk").first()
        if oldest is not None:
            waiting = int((now - oldest.created_at).total_seconds() // 60)
            self.stdout.write(
                f"oldest pending: #{oldest.pk} {oldest.channel} {oldest.purpose}, queued {_when(oldest.created_at)}"
                f" ({waiting} min ago), {oldest.attempts} attempt(s), next {_when(oldest.next_attempt_at)}"
            )
            if oldest.last_error:
                self.stdout.write(f"  last error: {oldest.last_error}")
        stuck = Notification.objects.stuck(now).count()
        if stuck:
            self.stdout.write(f"stuck in sending: {stuck} (the next sweep puts them back)")
        latest = Notification.objects.filter(status=Status.FAILED).order_by("-last_attempt_at", "-pk")[:failures]
        for notification in latest:
            self.stdout.write(
                f"failed: #{notification.pk} {notification.channel} {notification.purpose}"
                f" to {notification.masked_recipient}, {notification.attempts} attempt(s),"
                f" last {_when(notification.last_attempt_at)}: {notification.last_error}"
            )

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhili.accounts import services
from zhili.accounts.models import User
from zhili.core.context import acting_as


class Command(BaseCommand):
    help = "Issue an API token for an integration account; the token is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=365, help="days until it expires; 0 = never (default 365)")
        parser.add_argument("--reason", default="", help="why the token is issued (kept in the audit log)")

    def handle(self, *args: Any, username: str, days: int, reason: str, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account named {username!r}")
        if days < 0:
            raise CommandError("--days must be 0 or more")
        with acting_as(None, source="cli"):
            token = services.issue_token(user, days=days or None, reason=reason)
        self.stdout.write(token)

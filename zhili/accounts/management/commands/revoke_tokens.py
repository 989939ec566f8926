from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhili.accounts import services
from zhili.accounts.models import User
from zhili.core.context import acting_as


class Command(BaseCommand):
    help = "Revoke every API token of an account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", default="", help="why (kept in the audit log)")

    def handle(self, *args: Any, username: str, reason: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account named {username!r}")
        with acting_as(None, source="cli"):
            count = services.revoke_tokens(user, reason=reason)
        self.stdout.write(f"revoked {count} token(s) of {username}")

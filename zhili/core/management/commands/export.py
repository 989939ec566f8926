"""`zhili export units|people|audit --as USERNAME --format csv|xlsx --out FILE [--filter k=v ...]`

The CLI reaches data exactly as the pages and the API do: through the user's scope and the same
FilterSet and columns. The export is recorded in the audit log as that user's, from the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.http import QueryDict

from zhili.core.context import acting_as
from zhili.core.errors import DomainError
from zhili.core.exports import write_file


def exportables() -> dict[str, tuple[Callable[[Any], QuerySet], Any, Any]]:
    """name -> (the rows a user may export, FilterSet, columns)"""
    from zhili.accounts.exports import PERSON_COLUMNS
    from zhili.accounts.filtersets import PersonFilterSet
    from zhili.accounts.models import User
    from zhili.audit.exports import AUDIT_COLUMNS
    from zhili.audit.filtersets import AuditEventFilterSet
    from zhili.audit.models import AuditEvent
    from zhili.org.exports import UNIT_COLUMNS
    from zhili.org.filtersets import UnitFilterSet
    from zhili.org.models import Unit

    return {
        "units": (lambda u: Unit.objects.restrict(u).select_related("unit_type"), UnitFilterSet, UNIT_COLUMNS),
        "people": (lambda u: User.objects.restrict(u).with_memberships_for(u), PersonFilterSet, PERSON_COLUMNS),
        "audit": (
            lambda u: AuditEvent.objects.restrict(u).select_related("content_type"),
            AuditEventFilterSet,
            AUDIT_COLUMNS,
        ),
    }


class Command(BaseCommand):
    help = "Export units, people or the audit log within a user's jurisdiction to CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=sorted(exportables()))
        parser.add_argument("--as", dest="username", required=True, help="whose jurisdiction applies")
        parser.add_argument("--format", dest="fmt", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a filter of the list, e.g. --filter unit_type=grid (repeatable)",
        )

    def handle(self, *args: Any, what: str, username: str, fmt: str, out: str, **options: Any) -> None:
        from zhili.accounts.models import User

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account named {username!r}")
        rows_for, filterset_class, columns = exportables()[what]
        params = QueryDict(mutable=True)
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter takes NAME=VALUE, got {item!r}")
            params.appendlist(name, value)
        filterset = filterset_class(params, queryset=rows_for(user), request=SimpleNamespace(user=user))
        if not filterset.is_valid():
            raise CommandError(f"bad filter: {filterset.errors.as_json()}")
        with acting_as(user, source="cli"):
            try:
                count = write_file(filterset.qs, columns, fmt, out, what)
            except DomainError as error:
                raise CommandError(error.message) from None
        self.stdout.write(f"wrote {count} rows to {out}")

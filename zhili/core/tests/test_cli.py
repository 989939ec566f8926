from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from knox.models import AuthToken

from zhili import testing
from zhili.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_cli_export_applies_the_users_scope_and_filters(tree: testing.Tree, tmp_path: Path) -> None:
    clerk = testing.person("clerk-a1", role="clerk", unit_=tree.township_a1)
    out = tmp_path / "units.csv"
    call_command("export", "units", "--as", clerk.username, "--out", str(out), "--filter", "territorial=true")
    table = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert sorted(row[1] for row in table[1:]) == ["甲一社区", "甲一社区第一网格", "甲一镇"]
    event = AuditEvent.objects.filter(kind="export").latest("id")
    assert (event.actor, event.source, event.data["rows"]) == (clerk, "cli", 3)


def test_cli_export_of_the_audit_log_needs_the_audit_permission(tree: testing.Tree, tmp_path: Path) -> None:
    clerk = testing.person("clerk-a1", role="clerk", unit_=tree.city)
    out = tmp_path / "audit.xlsx"
    call_command("export", "audit", "--as", clerk.username, "--format", "xlsx", "--out", str(out))
    from openpyxl import load_workbook

    assert load_workbook(out).active.max_row == 1  # header only: a clerk reads no audit log
    with pytest.raises(CommandError):
        call_command("export", "units", "--as", "nobody", "--out", str(out))
    with pytest.raises(CommandError):
        call_command("export", "units", "--as", clerk.username, "--out", str(out), "--filter", "broken")


def test_tokens_are_issued_and_revoked_from_the_cli(tree: testing.Tree, capsys: pytest.CaptureFixture[str]) -> None:
    user = testing.person("integration", role="clerk", unit_=tree.county_a)
    call_command("issue_token", user.username, "--days", "7", "--reason", "热线对接")
    token = capsys.readouterr().out.strip()
    assert len(token) >= 40 and AuthToken.objects.filter(user=user).count() == 1
    call_command("revoke_tokens", user.username)
    assert AuthToken.objects.filter(user=user).count() == 0

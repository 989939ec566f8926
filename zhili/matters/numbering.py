"""Readable, unique matter numbers: PREFIX-YEAR-SEQUENCE (LS-2026-000123)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhili.matters.models import MatterCounter


def next_number(prefix: str | None = None) -> str:
    """The next number of this year. Must run inside the caller's transaction: the counter row
    stays locked until it commits, so two intakes never get the same number, and a rolled-back
    intake gives its number back."""
    assert transaction.get_connection().in_atomic_block, "next_number() needs a transaction"
    prefix = prefix or settings.MATTER_NUMBER_PREFIX
    year = timezone.localdate().year
    MatterCounter.objects.bulk_create([MatterCounter(prefix=prefix, year=year)], ignore_conflicts=True)
    counter = MatterCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:06d}"

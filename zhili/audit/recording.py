"""Writing audit events. Every writer in the project goes through `record`."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from zhili.audit.models import AuditEvent
from zhili.core.context import current

Kind = AuditEvent.Kind


def record(
    kind: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    actor: Any = None,
    actor_name: str | None = None,
    unit_path: str | None = None,
) -> AuditEvent:
    context = current()
    actor = actor if actor is not None else context.actor
    if unit_path is None:
        # An event about no object (an export, say) belongs where its actor works.
        subject = obj if obj is not None else actor
        unit_path = subject.scope_path() if subject is not None and hasattr(subject, "scope_path") else ""
    event = AuditEvent(
        kind=kind,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=actor_name if actor_name is not None else (actor.get_username() if actor is not None else ""),
        address=context.address,
        source=context.source,
        request_id=context.request_id,
        reason=(reason if reason is not None else context.reason)[:2000],
        before=before,
        after=after,
        data=data or {},
        unit_path=unit_path or "",
    )
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:200]
    event.save()
    return event

"""Base classes for the REST API. Every endpoint that returns domain objects inherits
ScopedViewSetMixin, so the jurisdiction scope is applied once, here, and never forgotten.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models, transaction
from rest_framework import exceptions, viewsets
from rest_framework.serializers import BaseSerializer

# DRF action -> scope action of the model
ACTION_SCOPES: dict[str, str] = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


class ScopedViewSetMixin:
    """Restricts the queryset to the requesting user's scope.

    Reads reach only objects in the user's "view" scope: everything else answers 404. A write to
    an object the user may see but not change answers 403. Creating is re-checked inside the
    transaction: an object that lands outside the user's "add" scope is rolled back.
    """

    queryset: Any
    request: Any
    scope_actions: ClassVar[dict[str, str]] = {}

    def scope_action(self) -> str:
        action = getattr(self, "action", None) or "list"
        return self.scope_actions.get(action) or ACTION_SCOPES.get(action, "view")

    def get_queryset(self) -> models.QuerySet:
        return self.queryset.all().restrict(self.request.user, "view")

    def get_object(self) -> Any:
        obj = super().get_object()  # type: ignore[misc]
        action = self.scope_action()
        if action != "view" and not self.allowed(obj, action):
            raise exceptions.PermissionDenied(code="permission_denied")
        return obj

    def allowed(self, obj: models.Model, action: str) -> bool:
        return bool(self.queryset.model.objects.restrict(self.request.user, action).filter(pk=obj.pk).exists())

    def perform_create(self, serializer: BaseSerializer) -> None:
        with transaction.atomic():
            self.create_object(serializer)
            if serializer.instance is None or not self.allowed(serializer.instance, "add"):
                raise exceptions.PermissionDenied(code="permission_denied")

    def create_object(self, serializer: BaseSerializer) -> None:
        serializer.save()


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass

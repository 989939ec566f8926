from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhili.notify import services
from zhili.notify.models import Notification, Status

# The full recipient is left out: operators diagnose delivery by id, status and error.
FIELDS = (
    "channel",
    "masked_recipient",
    "purpose",
    "subject",
    "body",
    "content_type",
    "object_id",
    "status",
    "attempts",
    "next_attempt_at",
    "last_attempt_at",
    "last_error",
    "provider_id",
    "sent_at",
    "created_at",
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only view of the outbox for platform operators. Rows change only through the
    delivery services; the actions below call them."""

    list_display = ["id", "channel", "masked_recipient", "purpose", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel", "purpose"]
    search_fields = ["=id", "purpose", "=object_id", "last_error"]
    date_hierarchy = "created_at"
    fields = FIELDS
    readonly_fields = FIELDS
    actions = ["retry", "cancel"]

    @admin.display(description=_("接收人"))
    def masked_recipient(self, obj: Notification) -> str:
        return obj.masked_recipient

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a notice is the record that it was (or could not be) sent

    @admin.action(description=_("重新发送选中的失败通知"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = sum(services.retry(pk) for pk in queryset.filter(status=Status.FAILED).values_list("pk", flat=True))
        self.message_user(request, gettext("已重新排队 {count} 条通知。").format(count=count), messages.SUCCESS)

    @admin.action(description=_("取消选中的待发送通知"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = sum(services.cancel(pk) for pk in queryset.filter(status=Status.PENDING).values_list("pk", flat=True))
        self.message_user(request, gettext("已取消 {count} 条通知。").format(count=count), messages.SUCCESS)

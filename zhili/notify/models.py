"""The outbox: one row per notice, written in the caller's transaction and delivered by the worker."""

from __future__ import annotations

import datetime
from typing import Self

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core import pii

# A worker that claimed a notice and has not finished it after this long has died mid-send (the
# backends give up on the network after well under a minute); the sweep puts the notice back.
STUCK_AFTER = datetime.timedelta(minutes=10)


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class Status(models.TextChoices):
    # Waiting for its first attempt or, after a failure, for next_attempt_at.
    PENDING = "pending", _("待发送")
    # Claimed by exactly one worker, which is calling the backend now.
    SENDING = "sending", _("发送中")
    # The backend accepted it. Final.
    SENT = "sent", _("已发送")
    # Gave up: every attempt failed, or the provider refused it outright. Kept for operators,
    # who can put it back with `zhili notify-retry --failed`; never deleted.
    FAILED = "failed", _("发送失败")
    # Withdrawn before it was sent. Final.
    CANCELLED = "cancelled", _("已取消")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def about(self, obj: models.Model) -> Self:
        """Notices linked to one object, e.g. every notice sent about a matter."""
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))

    def due(self, now: datetime.datetime) -> Self:
        return self.filter(status=Status.PENDING, next_attempt_at__lte=now)

    def stuck(self, now: datetime.datetime) -> Self:
        return self.filter(status=Status.SENDING, last_attempt_at__lt=now - STUCK_AFTER)


class Notification(models.Model):
    """One notice to one recipient (通知记录).

    Not an AuditedModel on purpose: a notice is the consequence of a change that is already
    audited (a matter registered, a status changed), and its own life is delivery bookkeeping —
    pending, sending, sent, a retry — that would add several audit rows per notice and copy
    every recipient into the audit log. The row itself is the delivery record: attempts,
    last_error and sent_at say what happened.
    """

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    # A phone number or e-mail address: personal data, shown masked (masked_recipient).
    recipient = models.CharField(_("接收人"), max_length=254)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    purpose = models.CharField(_("用途"), max_length=50, db_index=True)
    content_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("关联对象类型")
    )
    object_id = models.CharField(_("关联对象编号"), max_length=64, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_id = models.CharField(_("服务商消息编号"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep's two questions: which pending notices are due, which sends are stuck.
            models.Index(fields=["status", "next_attempt_at"], name="notify_status_next_idx"),
            models.Index(fields=["content_type", "object_id"], name="notify_about_idx"),
        ]

    def __str__(self) -> str:
        # No recipient here: __str__ ends up in logs and admin breadcrumbs.
        return f"{self.get_channel_display()} #{self.pk} {self.purpose} ({self.get_status_display()})"

    @property
    def masked_recipient(self) -> str:
        if self.channel == Channel.SMS:
            return pii.mask_phone(self.recipient)
        local, at, domain = self.recipient.partition("@")
        return f"{local[:1]}***{at}{domain}" if at else "***"

    def can_retry(self) -> bool:
        return self.status == Status.FAILED

    def can_cancel(self) -> bool:
        return self.status == Status.PENDING

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackingCode(models.Model):
    """A one-time code sent by SMS to a matter's reporter phone (查询验证码). Only its keyed hash
    is kept; it expires in minutes, allows a few attempts and is used once."""

    matter = models.ForeignKey("matters.Matter", models.CASCADE, related_name="tracking_codes", verbose_name=_("事项"))
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("发送时间"), db_index=True)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("查询验证码")
        verbose_name_plural = _("查询验证码")
        indexes = [models.Index(fields=["matter", "-created_at"], name="tracking_code_recent")]

    def __str__(self) -> str:
        return f"{self.matter_id}@{self.created_at:%Y-%m-%d %H:%M}"

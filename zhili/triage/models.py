"""What triage proposed for each matter, with the model that proposed it, and what became of it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    CORRECTED = "corrected", _("已更正")


class Proposal(models.Model):
    """Triage's proposal for a new matter. A clerk's `triaged` step confirms or corrects it; the
    corrected and confirmed categories are what `zhili triage-train` learns from next time."""

    matter = models.OneToOneField("matters.Matter", models.CASCADE, related_name="triage", verbose_name=_("事项"))
    model_version = models.CharField(_("模型版本"), max_length=40)
    category = models.CharField(_("建议类别"), max_length=40)
    risk = models.CharField(_("建议风险等级"), max_length=10)
    signals = models.JSONField(_("风险信号"), default=list)
    lead_unit = models.CharField(_("建议牵头单位类型"), max_length=40)
    co_units = models.JSONField(_("建议协办单位类型"), default=list)
    jurisdiction = models.ForeignKey(
        "org.Unit", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("建议属地")
    )
    confidence = models.FloatField(_("置信度"))
    low_confidence = models.BooleanField(_("置信度低"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    final_category = models.CharField(_("确认类别"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("分拨建议")
        verbose_name_plural = _("分拨建议")

    def __str__(self) -> str:
        return f"{self.matter_id}: {self.category} ({self.model_version})"

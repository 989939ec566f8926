from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.audit.models import AuditedModel


class Term(AuditedModel):
    """A coded term. The code is the primary key: stable, readable in every reference to it."""

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    aliases = models.CharField(_("别称"), max_length=300, blank=True, help_text=_("以逗号分隔的其他叫法"))
    builtin = models.BooleanField(_("内置"), default=False, editable=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh or self.code

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        language = get_language() or "zh-hans"
        return self.name_en if language.startswith("en") and self.name_en else self.name_zh


class Kind(Term):
    class Meta(Term.Meta):
        verbose_name = _("事项类型")
        verbose_name_plural = _("事项类型")


class UnitType(Term):
    """A unit type: territorial (with a level: 1 city … 5 grid) or a department (no level)."""

    level = models.PositiveSmallIntegerField(
        _("层级"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )

    class Meta(Term.Meta):
        verbose_name = _("单位类型")
        verbose_name_plural = _("单位类型")

    @property
    def territorial(self) -> bool:
        return self.level is not None


class Category(Term):
    kind = models.ForeignKey(Kind, models.PROTECT, related_name="categories", verbose_name=_("事项类型"))
    lead = models.ForeignKey(
        UnitType, models.PROTECT, related_name="led_categories", verbose_name=_("默认牵头单位类型")
    )

    class Meta(Term.Meta):
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")


class RiskLevel(Term):
    rank = models.PositiveSmallIntegerField(
        _("严重程度"), default=0, help_text=_("越大越严重"), validators=[MaxValueValidator(100)]
    )
    definition = models.TextField(_("定义"), blank=True)

    class Meta(Term.Meta):
        verbose_name = _("风险等级")
        verbose_name_plural = _("风险等级")
        ordering = ["-rank"]


class CoHandlingRule(Term):
    """When a triage signal is present, these unit types join the lead unit (协同处置)."""

    unit_types = models.ManyToManyField(UnitType, related_name="co_handling_rules", verbose_name=_("协同单位类型"))

    class Meta(Term.Meta):
        verbose_name = _("协同处置规则")
        verbose_name_plural = _("协同处置规则")

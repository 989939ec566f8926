"""计时: the official holiday schedule (节假日安排) and the deadline rules (办理时限) of matters.

Both tables are platform configuration edited by operators in Django admin, so both are audited.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from zhili.audit.models import AuditedModel
from zhili.taxonomy.models import Category, Kind, RiskLevel


class HolidaySchedule(AuditedModel):
    """One day of a year's official schedule: a public holiday, or a make-up working day (调休上班).

    `year` is the year of the State Council notice the day comes from, not always the date's own
    year: a notice sometimes includes days at the end of the year before (the 2019 notice made
    Saturday 2018-12-29 a working day). A year with any row here is taken from this table alone;
    see zhili/deadlines/calendar.py.
    """

    class DayKind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    year = models.PositiveSmallIntegerField(
        _("年度"),
        db_index=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("所依据的节假日安排通知的年度"),
    )
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("节日"), max_length=40, blank=True, help_text=_("如：春节"))
    notice = models.CharField(
        _("依据"), max_length=200, blank=True, help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知")
    )

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".rstrip()

    def clean(self) -> None:
        problem = schedule_day_problem(self.year, self.date, self.kind)
        if problem:
            raise ValidationError({"date": problem})


def schedule_day_problem(year: int, date: datetime.date, kind: str) -> str:
    """Why a day cannot belong to `year`'s schedule, or "" when it can (shared by admin and loader)."""
    if year is None or date is None:
        return ""
    if date.year not in (year - 1, year):
        return str(_("日期须在该年度或上一年度内。"))
    # The notices only ever move work onto a weekend; a weekday "workday" is a typing error.
    if kind == HolidaySchedule.DayKind.WORKDAY and date.weekday() < 5:
        return str(_("调休上班日应为周六或周日。"))
    return ""


class Stage(models.TextChoices):
    """The steps of a matter that have a deadline; the matters app asks for a rule by stage."""

    RESPOND = "respond", _("响应")
    REGISTER = "register", _("登记转送或告知")
    DECIDE = "decide", _("作出处理决定")
    RESOLVE = "resolve", _("办结")
    LAWYER_ASSIGNED = "lawyer_assigned", _("指派律师")
    MEDIATION_END = "mediation_end", _("调解期满")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("申请司法确认")
    REVIEW_REQUEST = "review_request", _("请求复查")
    REVIEW_DECIDE = "review_decide", _("复查答复")
    RE_REVIEW_REQUEST = "re_review_request", _("请求复核")
    RE_REVIEW_DECIDE = "re_review_decide", _("复核答复")


class TimeUnit(models.TextChoices):
    MINUTES = "minutes", _("分钟")
    HOURS = "hours", _("小时")
    CALENDAR_DAYS = "calendar_days", _("日（自然日）")
    WORKING_DAYS = "working_days", _("工作日")


DAY_UNITS = frozenset({TimeUnit.CALENDAR_DAYS, TimeUnit.WORKING_DAYS})


class DeadlineRule(AuditedModel):
    """How long a stage of a matter may take: amount and unit, extension, pausing, legal basis.

    Kind, category and risk narrow which matters the rule applies to; blank means any. When
    several active rules fit a matter, the most specific wins (zhili/deadlines/rules.py).
    Taxonomy codes are the primary keys of their tables, so the foreign keys store the codes
    themselves (kind_id == "request") and lookups by code need no join; PROTECT keeps a code that
    a rule uses from being deleted.
    """

    code = models.SlugField(_("代码"), max_length=60, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    stage = models.CharField(_("环节"), max_length=30, choices=Stage.choices)
    kind = models.ForeignKey(
        Kind,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("事项类型"),
        help_text=_("留空表示任何类型"),
    )
    category = models.ForeignKey(
        Category,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("事项类别"),
        help_text=_("留空表示任何类别"),
    )
    risk = models.ForeignKey(
        RiskLevel,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("风险等级"),
        help_text=_("留空表示任何等级"),
    )
    amount = models.PositiveIntegerField(_("时限"), validators=[MinValueValidator(1), MaxValueValidator(100000)])
    unit = models.CharField(_("计时单位"), max_length=20, choices=TimeUnit.choices)
    extendable_by = models.PositiveIntegerField(
        _("最多可延长"),
        default=0,
        validators=[MaxValueValidator(100000)],
        help_text=_("经批准最多可延长的时限，与时限同一单位；0 表示不可延长"),
    )
    pausable = models.BooleanField(
        _("可中止计时"), default=False, help_text=_("等待群众补充材料、作出说明的时间不计入时限")
    )
    counted_from = models.CharField(_("起算"), max_length=100, blank=True, help_text=_("如：收到信访事项之日"))
    legal_basis = models.TextField(_("依据"), blank=True)
    builtin = models.BooleanField(_("内置"), default=False, editable=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["stage", "code"]
        constraints = [
            # One active rule per stage and scope, so the most specific rule is never a tie.
            # Coalesce because NULLs are distinct in a unique index on both databases.
            models.UniqueConstraint(
                "stage",
                Coalesce("kind", Value(""), output_field=models.CharField()),
                Coalesce("category", Value(""), output_field=models.CharField()),
                Coalesce("risk", Value(""), output_field=models.CharField()),
                condition=Q(active=True),
                name="deadlines_one_active_rule_per_scope",
                violation_error_message=_("已有同一环节、同一适用范围的启用规则。"),
            ),
            models.CheckConstraint(condition=Q(amount__gte=1), name="deadlines_rule_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.name or self.code

    @property
    def specificity(self) -> tuple[bool, bool, bool]:
        """Compared as a tuple: a category rule beats a kind rule beats an any-kind rule; within
        each of these, a rule for the matter's risk colour beats one for any colour."""
        return (self.category_id is not None, self.kind_id is not None, self.risk_id is not None)

    @property
    def counts_days(self) -> bool:
        return self.unit in DAY_UNITS

    def clean(self) -> None:
        super().clean()
        if self.category_id and self.kind_id:
            category_kind = Category.objects.filter(pk=self.category_id).values_list("kind_id", flat=True).first()
            if category_kind is not None and category_kind != self.kind_id:
                raise ValidationError(
                    {"kind": _("事项类别“%(category)s”不属于该事项类型。") % {"category": self.category}}
                )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A category belongs to one kind; storing that kind keeps every category rule comparable
        # with the kind rules and lets the unique constraint see duplicates.
        if self.category_id and not self.kind_id:
            self.kind_id = Category.objects.filter(pk=self.category_id).values_list("kind_id", flat=True).first()
        super().save(*args, **kwargs)

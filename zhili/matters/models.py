from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from zhili.audit.models import AuditedModel
from zhili.core.memo import ProcessCache
from zhili.core.scope import Scope, ScopedModel, ScopedQuerySet
from zhili.matters.choices import Channel, EventKind, PartyRole, Status


class MatterQuerySet(ScopedQuerySet):
    pass


class Matter(ScopedModel):
    """A matter (事项). Its state fields mirror lifecycle.MatterState and change only through
    actions.py, which appends a MatterEvent for each change: the events are the matter's history
    and its audit trail (ADR 0005)."""

    number = models.CharField(_("编号"), max_length=32)  # unique: Meta.constraints
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    kind = models.ForeignKey(
        "taxonomy.Kind", models.PROTECT, related_name="+", verbose_name=_("事项类型"), db_index=False
    )
    category = models.ForeignKey(
        "taxonomy.Category",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("类别"),
        db_index=False,
    )
    risk = models.ForeignKey(
        "taxonomy.RiskLevel",
        models.PROTECT,
        default="green",
        related_name="+",
        verbose_name=_("风险等级"),
        db_index=False,
    )
    title = models.CharField(_("标题"), max_length=200, blank=True)
    description = models.TextField(_("诉求内容"))
    address = models.CharField(_("地址"), max_length=300, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    # The reporter: an account when the resident has one, else name and phone as given. Anonymous
    # matters hide the reporter from handlers, never from the system.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_matters",
        verbose_name=_("反映人账号"),
        db_index=False,
    )
    reporter_name = models.CharField(_("反映人"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("反映人电话"), max_length=20, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
        db_index=False,
    )
    received_at = models.DateTimeField(_("登记时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # --- state, derived from the events (lifecycle.MatterState) ---
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    intake_unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+", verbose_name=_("受理单位"))
    jurisdiction = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("属地")
    )
    lead_unit = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("牵头单位"), db_index=False
    )
    co_units = models.JSONField(_("协办单位"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
        db_index=False,
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("包案领导"),
        db_index=False,
    )
    supervised = models.BooleanField(_("督办中"), default=False)
    supervision_due = models.CharField(_("督办期限"), max_length=32, blank=True)
    extension_pending = models.BooleanField(_("延期待批"), default=False)
    extension_requested = models.IntegerField(_("申请延期"), default=0)
    extension_granted = models.IntegerField(_("已批延期"), default=0)
    escalations = models.IntegerField(_("上报次数"), default=0)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    visit_failed = models.BooleanField(_("回访未果"), default=False)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    satisfied = models.BooleanField(_("满意"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reopened = models.IntegerField(_("重新办理次数"), default=0)
    merged_into = models.CharField(_("并入事项"), max_length=32, blank=True)
    stage_started = models.DateTimeField(_("本环节起算"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("等待补充起"), null=True, blank=True)
    paused_seconds = models.IntegerField(_("已暂停秒数"), default=0)

    # --- the deadline of the current stage: from the state and the rules (matters/timing.py) ---
    due_stage = models.CharField(_("期限环节"), max_length=30, blank=True)
    due_rule = models.CharField(_("期限规则"), max_length=60, blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    warn_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    last_event_seq = models.PositiveIntegerField(default=0, editable=False)

    objects = MatterQuerySet.as_manager()

    # The reporter's phone is shown masked; staff with pii.reveal over the matter see it in full
    # with a reason (accounts.services.reveal, logged). Anonymous matters never reveal it.
    pii_fields = {"reporter_phone": "phone"}
    scope_permissions = {"view": "matter.view", "reveal": "pii.reveal"}
    # Units hold matters through MatterUnit (every unit a matter is attached to); counting these
    # foreign keys as well would count a matter twice.
    unit_holding = False

    def withheld_fields(self) -> set[str]:
        """Personal data that no one may reveal: an anonymous reporter stays anonymous."""
        return {"reporter_phone"} if self.anonymous else set()

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["-received_at", "-id"]
        # Every index is paid for by every intake and import (docs/matters-import.md), so each
        # serves a query: the sweep (status, due_at; warn_at), the lists' filters and ordering,
        # the resident's own matters (reporter), and the PROTECT checks of deleting a unit or a
        # taxonomy term. Columns empty at intake are indexed only where set, so intake pays
        # nothing for them. No plain index on status or due_at (matter_queues serves both), nor on
        # received_by (no query; accounts are deactivated, never deleted); no LIKE
        # (varchar_pattern_ops) indexes on PostgreSQL: nothing searches codes or numbers by prefix.
        indexes = [
            # The sweep's (status, due_at), and the rest of what the inbox's queues count and
            # order by, and the id: a queue is counted and its page found from this index alone,
            # without reading the matters' rows (queues.py; PostgreSQL's index-only scan needs
            # every column the query names, the id included).
            models.Index(
                fields=["status", "due_at", "risk", "received_at", "overdue_at", "supervised", "lead_unit", "id"],
                name="matter_queues",
            ),
            models.Index(fields=["warn_at"], name="matter_warn_at", condition=models.Q(warn_at__isnull=False)),
            models.Index(fields=["kind"], name="matter_kind"),
            models.Index(fields=["category"], name="matter_category"),
            models.Index(fields=["risk"], name="matter_risk"),
            models.Index(fields=["reporter"], name="matter_reporter", condition=models.Q(reporter__isnull=False)),
            models.Index(fields=["lead_unit"], name="matter_lead_unit", condition=models.Q(lead_unit__isnull=False)),
            models.Index(fields=["owner"], name="matter_owner", condition=models.Q(owner__isnull=False)),
            models.Index(fields=["leader"], name="matter_leader", condition=models.Q(leader__isnull=False)),
            models.Index(fields=["supervised"], name="matter_supervised", condition=models.Q(supervised=True)),
        ]
        constraints = [models.UniqueConstraint(fields=["number"], name="matter_number_unique")]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_filter(cls, scope: Scope, user: Any) -> Q | None:
        # Staff reach a matter through any unit it is attached to (intake, jurisdiction, lead,
        # co-handling, every unit it was dispatched or escalated to); residents their own.
        condition: Q | None = None
        if scope.paths:
            if all(any(root.startswith(path) for path in scope.paths) for root in _root_paths.get()):
                # The whole tree (a city's leader): every matter is attached to some unit of it.
                # Saying so spares the database a semi-join over every matter to count them all.
                return Q()
            condition = reached_from(units_at(user, scope.paths))
        if getattr(user, "is_authenticated", False):
            # Staff rarely report matters of their own, so "… OR reporter = me", which keeps a
            # database from starting at the reach, is added only for those who did.
            if condition is None:
                return Q(reporter=user)
            if "_zhili_reported" not in user.__dict__:  # once per user object (request), as scopes
                user.__dict__["_zhili_reported"] = Matter.objects.filter(reporter=user).exists()
            if user.__dict__["_zhili_reported"]:
                condition |= Q(reporter=user)
        return condition

    def scope_path(self) -> str:
        return str(self.intake_unit.path)


def reached_from(units: list[int]) -> Q:
    """Matters within the subtree of any of these units: one index probe per matter (MatterReach:
    unit, matter), whichever side the database starts from (the status index for a queue, a
    search's matches, one matter's page). The ids are written into the query, so PostgreSQL
    knows from its statistics how many matters a county holds, where for "the units at these
    paths" it guessed the average unit's and read the county's matters one by one."""
    return Q(Exists(MatterReach.objects.filter(unit_id__in=units, matter=OuterRef("pk"))))


def units_at(user: Any, paths: tuple[str, ...]) -> list[int]:
    """The ids of the units at these paths (a scope's), once per user object (request)."""
    from zhili.org.models import Unit

    kept: dict[tuple[str, ...], list[int]] = user.__dict__.setdefault("_zhili_units_at", {}) if user else {}
    if paths not in kept:
        kept[paths] = sorted(Unit.objects.filter(path__in=paths).values_list("pk", flat=True))
    return kept[paths]


def _load_root_paths() -> list[str]:
    from zhili.org.models import Unit

    return list(Unit.objects.filter(depth=1).values_list("path", flat=True))


# The tops of the unit trees (usually one city), for Matter.scope_filter.
_root_paths: ProcessCache[list[str]] = ProcessCache(_load_root_paths)


class MatterUnit(models.Model):
    """A unit the matter is attached to (lifecycle.MatterState.shared_units): the scope index."""

    matter = models.ForeignKey(Matter, models.CASCADE, related_name="units", db_index=False)  # the pair's index
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="matter_links")

    # Counted by org.services.holdings as "事项", so a unit that still holds matters cannot be
    # moved or deleted.
    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        constraints = [models.UniqueConstraint(fields=["matter", "unit"], name="matter_unit_unique")]

    def __str__(self) -> str:
        return f"{self.matter_id} @ {self.unit_id}"


class MatterReach(models.Model):
    """A unit whose subtree holds the matter: one row for each unit the matter is attached to
    (MatterUnit) and for each of their ancestors, written with the links (matters/reach.py).

    "Which matters may this person see" is then one key, (unit, matter), where the links alone
    would need every link under the person's units joined to their units and made distinct: 80 ms
    to check one matter of a county among 100,000, and the same again in every list and count. The
    rows never go stale: a unit whose subtree holds matters can be neither moved nor deleted
    (org.services.holdings), so its ancestors stay its ancestors.
    """

    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+", db_index=False)  # the pair's index
    matter = models.ForeignKey(Matter, models.CASCADE, related_name="+")

    # The unit's own links (MatterUnit) are its holdings; these rows only repeat them upwards.
    unit_holding = False

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "matter"], name="matter_reach_unique")]

    def __str__(self) -> str:
        return f"{self.matter_id} within {self.unit_id}"


class PartyQuerySet(ScopedQuerySet):
    pass


class Party(AuditedModel, ScopedModel):
    """A party to the matter (当事人): only what the matter needs. Reached through its matter's
    scope; its phone and ID number are revealed as the matter's reporter phone is."""

    matter = models.ForeignKey(Matter, models.CASCADE, related_name="parties")
    role = models.CharField(_("身份"), max_length=20, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    name = models.CharField(_("姓名或名称"), max_length=100)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    head_count = models.PositiveIntegerField(_("人数"), default=1)

    objects = PartyQuerySet.as_manager()

    pii_fields = {"phone": "phone", "id_number": "id_number"}
    scope_permissions = {"view": "matter.view", "reveal": "pii.reveal"}

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return f"{self.matter.number} · {self.name}"

    @classmethod
    def scope_filter(cls, scope: Scope, user: Any) -> Q | None:
        condition = Matter.scope_filter(scope, user)
        return None if condition is None else Q(matter__in=Matter.objects.filter(condition).values("pk"))

    def scope_path(self) -> str:
        return str(self.matter.intake_unit.path)


class MatterEvent(models.Model):
    """One step of a matter's history: who, when, what, why (append-only)."""

    matter = models.ForeignKey(Matter, models.CASCADE, related_name="events", db_index=False)  # (matter, seq)
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("环节"), max_length=30, choices=EventKind.choices)
    time = models.DateTimeField(_("时间"))
    # No index on actor: no query looks events up by actor (as Matter.received_by).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
        db_index=False,
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    reason = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    source = models.CharField(_("渠道"), max_length=10, blank=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("事项记录")
        verbose_name_plural = _("事项记录")
        ordering = ["matter_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["matter", "seq"], name="matter_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.matter_id}#{self.seq} {self.kind}"


class IntakeKey(models.Model):
    """An Idempotency-Key seen at intake: the same key returns the same matter."""

    key = models.CharField(max_length=200)  # unique: Meta.constraints (no LIKE index on PostgreSQL)
    fingerprint = models.CharField(max_length=64)
    matter = models.ForeignKey(Matter, models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="intake_key_unique")]

    def __str__(self) -> str:
        return self.key


class MatterCounter(models.Model):
    """The last sequence number used for matter numbers of one prefix and year."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="matter_counter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


from zhili.matters.models_attachments import Attachment, AttachmentKind  # noqa: E402, F401  (registers the model)

"""Statuses, channels and event kinds of a matter."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("待分办")  # received, waiting for a clerk to triage and dispatch
    DISPATCHED = "dispatched", _("待签收")  # sent to a lead unit, waiting for it to accept
    IN_PROGRESS = "in_progress", _("办理中")  # accepted by the lead unit
    RETURNED = "returned", _("已退回")  # the lead unit sent it back to the dispatching centre
    ANSWERED = "answered", _("已答复")  # the resident has an answer; waiting for rating or visit
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")  # a duplicate, merged into an earlier matter (terminal)


OPEN_STATUSES = frozenset({Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED})
TERMINAL_STATUSES = frozenset({Status.MERGED})


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("来访")
    HOTLINE = "hotline", _("热线")
    WEB = "web", _("网站")
    MOBILE = "mobile", _("移动端")
    GRID_WORKER = "grid_worker", _("网格员上报")
    API = "api", _("接口")
    OPEN311 = "open311", _("Open311")
    IMPORT = "import", _("批量导入")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    THIRD_PARTY = "third_party", _("第三人")
    GROUP = "group", _("群体")


class EventKind(models.TextChoices):
    CREATED = "created", _("登记")
    TRIAGED = "triaged", _("研判")
    DISPATCHED = "dispatched", _("分办")
    ACCEPTED = "accepted", _("签收")
    RETURNED = "returned", _("退回")
    TRANSFERRED = "transferred", _("转办")
    CO_HANDLING_ADDED = "co_handling_added", _("增加协办单位")
    CONTACTED = "contacted", _("联系当事人")
    NOTE = "note", _("备注")
    ESCALATED = "escalated", _("上报")
    SUPERVISED = "supervised", _("督办")
    SUPERVISION_REPLIED = "supervision_replied", _("督办回复")
    LEADER_ASSIGNED = "leader_assigned", _("领导包案")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("批准延期")
    EXTENSION_DENIED = "extension_denied", _("不予延期")
    ANSWERED = "answered", _("答复")
    # A grid or village worker solved it where it arose and recorded the result (zhili.grid).
    RESOLVED_ON_SPOT = "resolved_on_spot", _("就地化解")
    VISITED = "visited", _("回访")
    RATED = "rated", _("评价")
    CLOSED = "closed", _("办结")
    REOPENED = "reopened", _("重新办理")
    MERGED = "merged", _("合并")
    WAITING = "waiting", _("等待群众补充")  # the clock stops, for rules that allow it
    RESUMED = "resumed", _("恢复计时")
    DEADLINE_WARNED = "deadline_warned", _("临期提醒")
    OVERDUE = "overdue", _("超期")  # overdue at the top level: nowhere left to escalate
    LEADER_ALERTED = "leader_alerted", _("红色预警通报")

"""What the resident is told, and when: the number at once, then each change of status.

Notices go through the outbox (zhili.notify), in the transaction of the change they announce, so
a rolled-back change tells nobody anything and a committed one is never forgotten.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.matters.choices import Status
from zhili.matters.models import Matter
from zhili.notify import services as notify

STATUS_TEXT = {
    Status.DISPATCHED: _("已转交%(unit)s办理"),
    Status.IN_PROGRESS: _("正在办理中"),
    Status.ANSWERED: _("已有答复，请查看并评价"),
    Status.CLOSED: _("已办结，感谢您的评价"),
    Status.MERGED: _("与在先事项%(into)s合并办理"),
}


def _phone(matter: Matter) -> str:
    if matter.reporter_phone:
        return matter.reporter_phone
    return matter.reporter.phone if matter.reporter is not None else ""


def received(matter: Matter) -> None:
    phone = _phone(matter)
    if phone:
        body = _("您反映的事项已登记，编号%(number)s。可凭编号和手机号查询办理进度。") % {"number": matter.number}
        notify.enqueue("sms", phone, "", body, purpose="matter_received", about=matter)


def status_changed(matter: Matter, before: str) -> None:
    phone = _phone(matter)
    if not phone or matter.status == before or matter.status not in STATUS_TEXT:
        return
    unit = matter.lead_unit.name if matter.lead_unit is not None else ""
    what = str(STATUS_TEXT[Status(matter.status)]) % {"unit": unit, "into": matter.merged_into}
    body = _("您反映的事项%(number)s%(what)s。") % {"number": matter.number, "what": what}
    notify.enqueue("sms", phone, "", body, purpose="matter_status", about=matter)


def leader_alert(matter: Matter, leader: Any) -> None:
    if leader.phone:
        body = _("红色预警：事项%(number)s（%(title)s）需要您关注。") % {
            "number": matter.number,
            "title": matter.title[:30],
        }
        notify.enqueue("sms", leader.phone, "", body, purpose="matter_red_alert", about=matter)


def deadline_warning(matter: Matter, recipient: Any) -> None:
    if recipient is not None and recipient.phone:
        body = _("事项%(number)s将于%(due)s到期，请抓紧办理。") % {
            "number": matter.number,
            "due": timezone.localtime(matter.due_at).strftime("%m-%d %H:%M") if matter.due_at else "",
        }
        notify.enqueue("sms", recipient.phone, "", body, purpose="matter_deadline", about=matter)

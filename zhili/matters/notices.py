"""What the resident is told, and when: the number at once, then each change of status.

Texts go out in the platform's language (LANGUAGE_CODE), whatever the language of the page of the
person whose step sends them.

Notices go through the outbox (zhili.notify), in the transaction of the change they announce, so
a rolled-back change tells nobody anything and a committed one is never forgotten.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.matters.choices import Status
from zhili.matters.models import Matter
from zhili.notify import services as notify

P = ParamSpec("P")

STATUS_TEXT = {
    Status.DISPATCHED: gettext_lazy("已转交%(unit)s办理"),
    Status.IN_PROGRESS: gettext_lazy("正在办理中"),
    Status.ANSWERED: gettext_lazy("已有答复，请查看并评价"),
    Status.CLOSED: gettext_lazy("已办结，感谢您的评价"),
    Status.MERGED: gettext_lazy("与在先事项%(into)s合并办理"),
}


def in_platform_language(write: Callable[P, None]) -> Callable[P, None]:
    """Write the notice in the platform's language (an override per call: one shared instance
    would keep the language to restore on itself, across threads)."""

    @functools.wraps(write)
    def written(*args: P.args, **kwargs: P.kwargs) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            write(*args, **kwargs)

    return written


def _phone(matter: Matter) -> str:
    if matter.reporter_phone:
        return matter.reporter_phone
    return matter.reporter.phone if matter.reporter is not None else ""


@in_platform_language
def received(matter: Matter) -> None:
    phone = _phone(matter)
    if phone:
        body = _("您反映的事项已登记，编号%(number)s。可凭编号和手机号查询办理进度。") % {"number": matter.number}
        notify.enqueue("sms", phone, "", body, purpose="matter_received", about=matter)


@in_platform_language
def status_changed(matter: Matter, before: str) -> None:
    phone = _phone(matter)
    if not phone or matter.status == before or matter.status not in STATUS_TEXT:
        return
    unit = matter.lead_unit.name if matter.lead_unit is not None else ""
    what = str(STATUS_TEXT[Status(matter.status)]) % {"unit": unit, "into": matter.merged_into}
    body = _("您反映的事项%(number)s%(what)s。") % {"number": matter.number, "what": what}
    notify.enqueue("sms", phone, "", body, purpose="matter_status", about=matter)


@in_platform_language
def leader_alert(matter: Matter, leader: Any) -> None:
    if leader.phone:
        body = _("红色预警：事项%(number)s（%(title)s）需要您关注。") % {
            "number": matter.number,
            "title": matter.title[:30],
        }
        notify.enqueue("sms", leader.phone, "", body, purpose="matter_red_alert", about=matter)


@in_platform_language
def deadline_warning(matter: Matter, recipient: Any) -> None:
    if recipient is not None and recipient.phone:
        body = _("事项%(number)s将于%(due)s到期，请抓紧办理。") % {
            "number": matter.number,
            "due": timezone.localtime(matter.due_at).strftime("%m-%d %H:%M") if matter.due_at else "",
        }
        notify.enqueue("sms", recipient.phone, "", body, purpose="matter_deadline", about=matter)

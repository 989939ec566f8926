import json

from django.utils.translation import gettext_lazy as _

from zhili.core.exports import Column

AUDIT_COLUMNS = [
    Column(_("时间"), lambda e: e.time),
    Column(_("类型"), lambda e: e.get_kind_display()),
    Column(_("操作人账号"), lambda e: e.actor_name),
    Column(_("来源地址"), lambda e: e.address),
    Column(_("渠道"), lambda e: e.source),
    Column(_("对象类型"), lambda e: e.content_type.model if e.content_type_id else ""),
    Column(_("对象编号"), lambda e: e.object_id),
    Column(_("对象"), lambda e: e.object_repr),
    Column(_("变更"), lambda e: json.dumps(e.changes, ensure_ascii=False) if e.before or e.after else ""),
    Column(_("原因"), lambda e: e.reason),
    Column(_("其他"), lambda e: json.dumps(e.data, ensure_ascii=False) if e.data else ""),
    Column(_("请求编号"), lambda e: e.request_id),
]

from django.utils.translation import gettext_lazy as _

from zhili.core.exports import Column

UNIT_COLUMNS = [
    Column(_("代码"), lambda u: u.code),
    Column(_("名称"), lambda u: u.name),
    Column(_("简称"), lambda u: u.short_name),
    Column(_("单位类型"), lambda u: u.unit_type.name_zh),
    Column(_("层级深度"), lambda u: u.depth),
    Column(_("联系电话"), lambda u: u.contact_phone),
    Column(_("地址"), lambda u: u.address),
    Column(_("办公时间"), lambda u: u.working_hours),
    Column(_("演示数据"), lambda u: u.is_demo),
]

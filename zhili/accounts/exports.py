from django.utils.translation import gettext_lazy as _

from zhili.core import pii
from zhili.core.exports import Column

PERSON_COLUMNS = [
    Column(_("账号"), lambda u: u.username),
    Column(_("姓名"), lambda u: u.full_name),
    Column(_("手机号码"), lambda u: pii.mask_phone(u.phone)),
    Column(_("启用"), lambda u: u.is_active),
    Column(_("任职"), lambda u: "；".join(f"{m.unit.name}/{m.get_role_display()}" for m in u.memberships.all())),
]

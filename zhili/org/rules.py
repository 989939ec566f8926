"""Where a unit may hang in the tree."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhili.core.errors import DomainError
from zhili.taxonomy.models import UnitType


def check_placement(unit_type: UnitType, parent_type: UnitType | None) -> None:
    """Territorial units nest one level at a time (city → county → township → community →
    grid); a department hangs under a territorial unit above the grid and has no children.
    """
    if parent_type is None:
        if unit_type.level != 1:
            raise DomainError("unit_needs_parent", _("只有市级单位可以作为顶级单位，请选择上级单位。"), field="parent")
        return
    if parent_type.level is None:
        raise DomainError("unit_parent_is_department", _("职能部门下不能再设下级单位。"), field="parent")
    if unit_type.level is None:
        if parent_type.level >= 5:
            raise DomainError("unit_department_under_grid", _("职能部门应挂在网格以上的区域单位下。"), field="parent")
        return
    if unit_type.level != parent_type.level + 1:
        raise DomainError(
            "unit_level_mismatch",
            _("“%(child)s”不能直接设在“%(parent)s”之下。")
            % {"child": unit_type.name_zh, "parent": parent_type.name_zh},
            field="parent",
        )

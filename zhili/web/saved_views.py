"""Saved inbox views (常用筛选): a person names the inbox's current queue and filters and opens them
again with one click. Only the query string is kept; the inbox applies it within the person's
scope when the link is opened, so a saved view never shows more than the inbox would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.accounts.models import User
from zhili.core.errors import Conflict, DomainError
from zhili.web.models import SavedView

MAX_PER_USER = 20
MAX_NAME = 40
MAX_QUERY = 1000
# Parameters that are not filters: the page of the list, an export, the form's token.
NOT_FILTERS = frozenset({"page", "export", "csrfmiddlewaretoken", "page_size"})


def query_of(data: Mapping[str, Any]) -> str:
    """The filters in `data` (a QueryDict or a dict) as a query string, without empty values and
    without the page, in a stable order."""
    pairs: list[tuple[str, str]] = []
    for key in sorted(data):
        if key in NOT_FILTERS:
            continue
        values = data.getlist(key) if isinstance(data, QueryDict) else [data[key]]
        pairs.extend((key, str(value)) for value in values if str(value).strip())
    query = QueryDict(mutable=True)
    for key, value in pairs:
        query.appendlist(key, value)
    return query.urlencode()


def of(user: Any) -> list[SavedView]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(SavedView.objects.filter(user=user).order_by("name"))


@transaction.atomic
def save(user: Any, name: str, query: str) -> SavedView:
    name = (name or "").strip()
    if not name:
        raise DomainError("name_required", _("请填写名称。"), field="name")
    if len(name) > MAX_NAME:
        raise DomainError("name_too_long", _("名称最多 %(limit)d 个字。") % {"limit": MAX_NAME}, field="name")
    query = query_of(QueryDict(query or ""))
    if len(query) > MAX_QUERY:
        raise DomainError("query_too_long", _("筛选条件过长，无法保存。"), field="query")
    # One person's saves run one at a time, so two at once cannot both pass the count.
    User.objects.select_for_update().filter(pk=user.pk).exists()
    held = SavedView.objects.filter(user=user)
    if held.filter(name=name).exists():
        raise Conflict("name_taken", _("已有名为“%(name)s”的常用筛选。") % {"name": name})
    if held.count() >= MAX_PER_USER:
        raise DomainError(
            "too_many_views", _("最多保存 %(limit)d 个常用筛选，请先删除不用的。") % {"limit": MAX_PER_USER}
        )
    try:
        with transaction.atomic():
            return SavedView.objects.create(user=user, name=name, query=query)
    except IntegrityError:
        raise Conflict("name_taken", _("已有名为“%(name)s”的常用筛选。") % {"name": name}) from None


def delete(user: Any, pk: int) -> bool:
    """Delete one of the person's own saved views; False when they have none by that id."""
    count, _detail = SavedView.objects.filter(user=user, pk=pk).delete()
    return bool(count)


class SavedViewForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=MAX_NAME,
        error_messages={"required": gettext_lazy("请填写名称。")},
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：本周红色待分拨")}),
    )
    query = forms.CharField(required=False, max_length=MAX_QUERY, widget=forms.HiddenInput)

"""Saved inbox views (常用筛选): a clerk names the inbox's current queue and filters, opens them as
a link above the inbox and deletes them. Per person; a name is required, unique per person, and
a person keeps at most 20."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.web import saved_views
from zhili.web.models import SavedView

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(tree: testing.Tree) -> Any:
    return testing.person("clerk", role="clerk", unit_=tree.township_a1)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_clerk_saves_the_current_filters_and_opens_them_again(clerk: Any) -> None:
    client = signed_in(clerk)
    inbox = client.get(reverse("matters:inbox"), {"queue": "dispatch", "risk": "red", "page": "1"})
    assert inbox.context["current_query"] == "queue=dispatch&risk=red"  # no page
    html = inbox.content.decode()
    assert 'name="query" value="queue=dispatch&amp;risk=red"' in html and "保存当前筛选" in html
    saved = client.post(
        reverse("web:saved_view_create"), {"name": "红色待分拨", "query": "queue=dispatch&risk=red&page=3"}
    )
    assert saved.status_code == 302 and saved["Location"] == f"{reverse('matters:inbox')}?queue=dispatch&risk=red"
    view = SavedView.objects.get(user=clerk)
    assert (view.name, view.query) == ("红色待分拨", "queue=dispatch&risk=red")
    page = client.get(saved["Location"])
    body = page.content.decode()
    assert "已保存常用筛选“红色待分拨”。" in body
    assert f'href="{reverse("matters:inbox")}?queue=dispatch&amp;risk=red">红色待分拨</a>' in body.replace(
        ' active" aria-current="true', ""
    )
    assert page.context["queue"] == "dispatch"


def test_names_are_required_unique_per_person_and_at_most_twenty(clerk: Any, tree: testing.Tree) -> None:
    client = signed_in(clerk)
    url = reverse("web:saved_view_create")
    inbox = reverse("matters:inbox")
    empty = client.post(url, {"name": "  ", "query": "", "next": inbox}, follow=True)
    assert "请填写名称。" in empty.content.decode()
    client.post(url, {"name": "待分拨", "query": "queue=dispatch"})
    again = client.post(url, {"name": "待分拨", "query": "queue=overdue", "next": inbox}, follow=True)
    assert "已有名为“待分拨”的常用筛选。" in again.content.decode()
    long = client.post(url, {"name": "名" * 41, "query": ""}, follow=True)
    assert "名称最多 40 个字。" in long.content.decode()
    # Another person may use the same name.
    other = testing.person("clerk-2", role="clerk", unit_=tree.township_a1)
    saved_views.save(other, "待分拨", "queue=dispatch")
    for number in range(19):
        saved_views.save(clerk, f"视图{number}", f"page=1&risk=red&q={number}")
    too_many = client.post(url, {"name": "第二十一个", "query": ""}, follow=True)
    assert "最多保存 20 个常用筛选，请先删除不用的。" in too_many.content.decode()
    assert SavedView.objects.filter(user=clerk).count() == 20


def test_a_person_deletes_only_their_own(clerk: Any, tree: testing.Tree) -> None:
    mine = saved_views.save(clerk, "我的", "queue=overdue")
    other = testing.person("clerk-2", role="clerk", unit_=tree.township_a1)
    theirs = saved_views.save(other, "他的", "queue=overdue")
    client = signed_in(clerk)
    assert client.post(reverse("web:saved_view_delete", args=[theirs.pk])).status_code == 404
    deleted = client.post(reverse("web:saved_view_delete", args=[mine.pk]), {"next": reverse("matters:inbox")})
    assert deleted.status_code == 302 and deleted["Location"] == reverse("matters:inbox")
    assert list(SavedView.objects.values_list("name", flat=True)) == ["他的"]
    assert client.get(reverse("web:saved_view_delete", args=[theirs.pk])).status_code == 405


def test_the_query_keeps_filters_only() -> None:
    from django.http import QueryDict

    data = QueryDict("status=new&status=dispatched&page=2&export=csv&q=&risk=red")
    assert saved_views.query_of(data) == "risk=red&status=new&status=dispatched"


def test_next_must_stay_on_this_site(clerk: Any) -> None:
    client = signed_in(clerk)
    response = client.post(reverse("web:saved_view_create"), {"name": "", "next": "https://example.org/"})
    assert response["Location"] == reverse("matters:inbox")

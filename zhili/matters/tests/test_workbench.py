"""htmx on the workbench: the inbox's tabs, filters and pages swap the list alone (and the address
follows), a step on the matter's page swaps the matter's panel with its message; a normal request
gets the whole page, so everything works without JavaScript too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.matters.tests.conftest import Cast

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_answers_htmx_with_the_list_only(cast: Cast) -> None:
    red = cast.matter(risk="red")
    cast.matter()
    client = signed_in(cast.clerk)
    page = client.get(reverse("matters:inbox"), {"queue": "dispatch"})
    html = page.content.decode()
    assert "<html" in html and 'id="inbox-list"' in html
    # Tabs, filters and pages: plain links and a GET form, which htmx turns into list swaps.
    assert 'href="?queue=overdue"' in html and 'hx-get="?queue=overdue"' in html
    assert 'hx-target="#inbox-list"' in html and 'hx-push-url="true"' in html
    assert f'hx-get="{reverse("matters:inbox")}"' in html  # the filter form
    part = client.get(reverse("matters:inbox"), {"risk": "red"}, **HTMX)
    body = part.content.decode()
    assert part.status_code == 200 and "<html" not in body and '<nav class="navbar' not in body
    assert body.lstrip().startswith('<div id="inbox-list"') and red.number in body
    assert [m.number for m in part.context["object_list"]] == [red.number]
    assert "HX-Request" in part["Vary"]
    # htmx restoring a page from its history asks for the whole page.
    restored = client.get(reverse("matters:inbox"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restored.content.decode()


def test_pages_of_the_inbox_swap_the_list(cast: Cast) -> None:
    for _ in range(3):
        cast.matter()
    client = signed_in(cast.clerk)
    from zhili.matters.views import MatterInboxView

    MatterInboxView.paginate_by, before = 2, MatterInboxView.paginate_by
    try:
        html = client.get(reverse("matters:inbox")).content.decode()
        assert 'hx-get="?page=2"' in html and 'href="?page=2"' in html
        second = client.get(reverse("matters:inbox"), {"page": 2}, **HTMX)
        assert len(second.context["object_list"]) == 1 and "<html" not in second.content.decode()
    finally:
        MatterInboxView.paginate_by = before


def step(client: Client, matter: Matter, kind: str, **fields: Any) -> Any:
    data = {"kind": kind, **{f"{kind}-{name}": value for name, value in fields.items()}}
    return client.post(reverse("matters:step", args=[matter.pk]), data, **HTMX)


def test_a_step_through_htmx_swaps_the_panel_and_says_so(cast: Cast) -> None:
    matter = cast.matter()
    client = signed_in(cast.clerk)
    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert 'id="matter-panel"' in page and 'hx-target="#matter-panel"' in page
    assert 'id="zl-messages" aria-live="polite"' in page  # present before any message, to be announced
    response = step(client, matter, "dispatched", lead_unit=cast.tree.judicial_office_a1.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="matter-panel"') and "<html" not in html
    assert 'hx-swap-oob="innerHTML:#zl-messages"' in html and "已完成：分办。" in html
    assert "待签收" in html and "甲一镇司法所" in html  # the new status and the timeline
    matter.refresh_from_db()
    assert matter.status == "dispatched"
    # The message was given once: the next page does not repeat it.
    assert "已完成：分办。" not in client.get(reverse("matters:detail", args=[matter.pk])).content.decode()


def test_a_refused_step_through_htmx_comes_back_with_its_reason(cast: Cast) -> None:
    matter = actions.perform(
        cast.matter(), "dispatched", actor=cast.clerk, data={"lead_unit": cast.tree.judicial_office_a1.pk}
    )
    client = signed_in(cast.handler)
    conflict = step(client, matter, "answered", reason="答复内容")
    assert conflict.status_code == 409  # swapped by htmx too (base.html's htmx-config)
    html = conflict.content.decode()
    assert html.lstrip().startswith('<div id="matter-panel"') and "事项的当前状态不允许此操作" in html
    assert "data-zl-focus" in html
    missing = step(client, matter, "returned", reason="")
    assert missing.status_code == 400 and 'aria-invalid="true"' in missing.content.decode()


def test_the_page_configures_htmx_without_inline_script(cast: Cast) -> None:
    html = signed_in(cast.clerk).get(reverse("matters:inbox")).content.decode()
    assert '<meta name="htmx-config"' in html and '"40[039]"' in html
    assert "zhili/workbench.js" in html and "zhili/shortcuts.js" in html
    assert "<script>" not in html and " onclick=" not in html

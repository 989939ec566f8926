"""The grid worker's pages: who may open them, my matters with what is due first, a report with
photos and a place in one transaction, and the on-the-spot step with a result photo."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhili.accounts.services import grant_role
from zhili.grid import services
from zhili.grid.tests.conftest import IN_GRID, LAMP, NOISE, THREAT, Crew, not_a_photo, photo, stored_files
from zhili.matters import actions
from zhili.matters.models import Attachment, Matter
from zhili.notify.models import Notification

pytestmark = pytest.mark.django_db
TOKEN = "0123456789abcdef0123456789abcdef"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report(client: Client, **fields: Any) -> Any:
    fields.setdefault("grid", client.get(reverse("grid:report")).context["form"].initial["grid"])
    return client.post(reverse("grid:report"), {"description": NOISE, "token": TOKEN, **fields})


def error_text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- who may open them ----------------------------------------------------------------------------


def test_only_grid_workers_open_the_pages(crew: Crew, client: Client) -> None:
    assert client.get(reverse("grid:home")).status_code == 302  # to the sign-in page
    for name in ("grid:home", "grid:report"):
        assert signed_in(crew.clerk).get(reverse(name)).status_code == 403
    assert signed_in(crew.clerk).post(reverse("grid:suggest"), {"description": NOISE}).status_code == 403


def test_another_grids_worker_gets_404_for_the_matter(crew: Crew) -> None:
    matter = crew.report(reporter=crew.resident)
    for name in ("grid:matter", "grid:reported"):
        assert signed_in(crew.worker).get(reverse(name, args=[matter.pk])).status_code == 200
        assert signed_in(crew.clerk).get(reverse(name, args=[matter.pk])).status_code == 200  # the township's
        assert signed_in(crew.other_worker).get(reverse(name, args=[matter.pk])).status_code == 404
        # The resident who reported it follows it on the portal, not on the staff's pages.
        assert signed_in(crew.resident).get(reverse(name, args=[matter.pk])).status_code == 404
    response = signed_in(crew.other_worker).post(
        reverse("grid:resolve", args=[matter.pk]), {"result": "已解决", "photos": [photo()]}
    )
    assert response.status_code == 404
    assert Matter.objects.get(pk=matter.pk).status == "new"


# --- my matters -----------------------------------------------------------------------------------


def test_my_matters_overdue_first_then_due_soon_with_counts(crew: Crew) -> None:
    calm = crew.report(title="平常事项")
    soon = crew.report(title="快到期")
    late = crew.report(title="已超期")
    answered = actions.perform(crew.report(title="已化解"), "resolved_on_spot", actor=crew.worker, reason="已解决")
    to_grid = crew.report(actor=crew.clerk, channel="hotline", intake_unit=crew.tree.township_a1, title="交办网格")
    to_grid = actions.perform(to_grid, "dispatched", actor=crew.clerk, data={"lead_unit": crew.grid.pk})
    crew.report(actor=crew.other_worker, intake_unit=crew.other_grid, title="隔壁网格")
    crew.report(actor=crew.clerk, channel="walk_in", intake_unit=crew.tree.township_a1, title="镇上登记")
    now = timezone.now()
    Matter.objects.filter(pk=calm.pk).update(due_at=now + datetime.timedelta(days=4))
    Matter.objects.filter(pk=to_grid.pk).update(due_at=now + datetime.timedelta(days=5))
    Matter.objects.filter(pk=soon.pk).update(due_at=now + datetime.timedelta(hours=3))
    Matter.objects.filter(pk=late.pk).update(due_at=now - datetime.timedelta(hours=1))
    response = signed_in(crew.worker).get(reverse("grid:home"))
    assert response.status_code == 200
    # Overdue, due soon, the other open ones by deadline, then the answered one.
    assert [m.number for m in response.context["rows"]] == [
        late.number,
        soon.number,
        calm.number,
        to_grid.number,
        answered.number,
    ]
    assert response.context["counts"] == {"open": 4, "overdue": 1, "due_soon": 1, "answered": 1}
    html = response.content.decode()
    assert "上报事项" in html and reverse("grid:matter", args=[late.pk]) in html
    assert "隔壁网格" not in html and "镇上登记" not in html


def test_the_home_page_costs_the_same_queries_for_many_matters(crew: Crew) -> None:
    client = signed_in(crew.worker)
    crew.report()
    client.get(reverse("grid:home"))  # per-process caches warm up on the first request
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("grid:home"))
    for _ in range(5):
        crew.report()
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("grid:home"))
    assert len(six) == len(one)


# --- reporting ------------------------------------------------------------------------------------


def test_the_report_form_is_short_and_opens_the_camera(crew: Crew) -> None:
    html = signed_in(crew.worker).get(reverse("grid:report")).content.decode()
    assert re.search(r'<input[^>]*type="file"[^>]*name="photos"', html)
    tag = re.search(r'<input[^>]*name="photos"[^>]*>', html)
    assert tag is not None
    for attribute in ('accept="image/*"', 'capture="environment"', "multiple"):
        assert attribute in tag.group(0)
    assert f'<input type="hidden" name="grid" value="{crew.grid.pk}"' in html  # one grid: nothing to choose
    assert "使用当前位置" in html and 'id="grid-boundaries"' in html
    assert "<script>" not in html and "onclick" not in html  # the CSP allows script files only
    # The map has the grid and its community to draw; no tiles unless configured.
    boundaries = signed_in(crew.worker).get(reverse("grid:report")).context["boundaries"]
    assert [(b["name"], b["own"]) for b in boundaries] == [(crew.grid.name, True), (crew.tree.community_a1.name, False)]
    assert 'data-tile-url=""' in html


def test_a_configured_tile_server_is_allowed_on_the_map_page_only(crew: Crew, settings: Any) -> None:
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    client = signed_in(crew.worker)
    page = client.get(reverse("grid:report"))
    assert "https://tiles.example.org" in page["Content-Security-Policy"]
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in page.content.decode()
    assert "tiles.example.org" not in client.get(reverse("grid:home"))["Content-Security-Policy"]


def test_a_worker_of_two_grids_chooses_one_and_only_theirs(crew: Crew) -> None:
    grant_role(crew.worker, crew.other_grid, "grid_worker")
    client = signed_in(crew.worker)
    form = client.get(reverse("grid:report")).context["form"]
    assert [choice for choice, _label in form.fields["grid"].choices] == [crew.grid.pk, crew.other_grid.pk]
    assert report(client, grid=crew.other_grid.pk).status_code == 302
    assert Matter.objects.get().intake_unit_id == crew.other_grid.pk
    assert report(client, grid=crew.tree.township_a1.pk, token="3" * 32).status_code == 400
    assert Matter.objects.count() == 1


def test_a_report_with_photos_and_a_point_registers_at_the_grid(crew: Crew, media: Path) -> None:
    client = signed_in(crew.worker)
    response = report(
        client,
        category="neighbor",
        lon=IN_GRID[0],
        lat=IN_GRID[1],
        reporter_name="王大妈",
        reporter_phone="13812345678",
        photos=[photo("一.png", 1), photo("二.png", 2)],
    )
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("grid:reported", args=[matter.pk])
    assert (matter.channel, matter.intake_unit_id, matter.received_by_id) == (
        "grid_worker",
        crew.grid.pk,
        crew.worker.pk,
    )
    assert (matter.category_id, matter.lon, matter.lat, matter.jurisdiction_id) == ("neighbor", *IN_GRID, crew.grid.pk)
    assert sorted(Attachment.objects.filter(matter=matter).values_list("original_name", flat=True)) == [
        "一.png",
        "二.png",
    ]
    assert len(stored_files(media)) == 2
    done = client.get(response["Location"]).content.decode()
    assert matter.number in done and "就地化解" in done and "短信" in done


def test_without_a_category_triage_chooses_it_and_the_risk_is_always_triages(crew: Crew) -> None:
    client = signed_in(crew.worker)
    assert report(client, description=LAMP, token="1" * 32).status_code == 302
    lamp = Matter.objects.get(description=LAMP)
    assert (lamp.kind_id, lamp.category_id, lamp.risk_id) == ("request", "public_facility", "green")
    # A threat is red even when the worker picked a calm category: leaders are told at once.
    assert report(client, description=THREAT, category="neighbor", token="2" * 32).status_code == 302
    threat = Matter.objects.get(description=THREAT)
    assert threat.risk_id == "red" and threat.events.filter(kind="leader_alerted").exists()
    done = client.get(reverse("grid:reported", args=[threat.pk])).content.decode()
    assert "红色预警事项不能就地化解" in done and "110" in done


def test_a_file_that_is_not_a_photo_leaves_nothing_behind(crew: Crew, media: Path) -> None:
    response = report(signed_in(crew.worker), photos=[photo(), not_a_photo("发票.png")])
    assert response.status_code == 400
    assert "发票.png" in error_text(response) and "不支持的文件格式" in error_text(response)
    assert not Matter.objects.exists() and not Attachment.objects.exists() and not stored_files(media)


def test_a_document_is_not_a_photo(crew: Crew) -> None:
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    response = report(signed_in(crew.worker), photos=[SimpleUploadedFile("说明.pdf", pdf)])
    assert response.status_code == 400 and "不是照片" in error_text(response)
    assert not Matter.objects.exists()


def test_a_photo_failing_inside_the_transaction_takes_the_matter_with_it(
    crew: Crew, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second photo fails after the first is written (a full disk, say): no matter, no
    attachment, no notice, and the first file is removed again."""
    real = services.attachments.attach
    calls = []

    def attach(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(services.attachments, "attach", attach)
    with pytest.raises(OSError):
        services.report(
            actor=crew.worker,
            grid=crew.grid,
            description=NOISE,
            reporter_phone="13812345678",
            photos=[photo(shade=1), photo(shade=2)],
        )
    assert not Matter.objects.exists() and not Attachment.objects.exists()
    assert not Notification.objects.exists() and not stored_files(media)


def test_a_second_tap_returns_the_first_matter(crew: Crew, media: Path) -> None:
    client = signed_in(crew.worker)
    first = report(client, photos=[photo()])
    second = report(client, photos=[photo()])
    assert first["Location"] == second["Location"]
    assert Matter.objects.count() == 1 and Attachment.objects.count() == 1 and len(stored_files(media)) == 1
    changed = report(client, description="另一件事：楼道里堆满了杂物，消防通道被堵")
    assert changed.status_code == 409 and "已经上报过了" in error_text(changed)


def test_the_place_needs_both_coordinates_and_only_the_description_is_required(crew: Crew) -> None:
    client = signed_in(crew.worker)
    half = report(client, lon=103.05)
    assert half.status_code == 400 and "经度和纬度须同时填写" in error_text(half)
    empty = report(client, description="")
    assert empty.status_code == 400 and empty.context["form"].errors["description"]
    assert not Matter.objects.exists()


def test_the_suggestion_offers_a_category_to_take(crew: Crew) -> None:
    response = signed_in(crew.worker).post(reverse("grid:suggest"), {"description": NOISE})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-take-category="neighbor"' in html and "邻里纠纷" in html
    red = signed_in(crew.worker).post(reverse("grid:suggest"), {"description": THREAT}).content.decode()
    assert "即时通报领导" in red
    english = signed_in(crew.worker).post(reverse("grid:suggest"), {"description": "hello there"}).content.decode()
    assert "目前只能分析中文诉求" in english


# --- a matter and the on-the-spot step ------------------------------------------------------------


def test_the_matter_page_masks_contacts_and_links_the_staff_page(crew: Crew) -> None:
    matter = crew.report(reporter_name="王大妈", reporter_phone="13812345678")
    html = signed_in(crew.worker).get(reverse("grid:matter", args=[matter.pk])).content.decode()
    assert "王大妈" in html and "138****5678" in html and "13812345678" not in html
    assert reverse("matters:detail", args=[matter.pk]) in html
    assert 'id="resolve"' in html and 'capture="environment"' in html


def test_resolving_on_the_spot_with_a_result_photo(crew: Crew, media: Path) -> None:
    matter = crew.report(reporter_phone="13812345678")
    client = signed_in(crew.worker)
    response = client.post(
        reverse("grid:resolve", args=[matter.pk]), {"result": "双方约定九点后施工", "photos": [photo("结果.png")]}
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.status, matter.lead_unit_id) == ("answered", crew.grid.pk)
    assert [e.kind for e in matter.events.order_by("seq")][-2:] == ["resolved_on_spot", "note"]
    assert Attachment.objects.get(matter=matter).original_name == "结果.png"
    assert Notification.objects.filter(purpose="matter_status").exists()  # the resident is asked to rate
    page = client.get(reverse("grid:matter", args=[matter.pk])).content.decode()
    assert "已记录就地化解" in page and 'id="resolve"' not in page and "等待群众评价或中心回访" in page


def test_the_result_needs_words_and_a_photo(crew: Crew) -> None:
    matter = crew.report()
    response = signed_in(crew.worker).post(reverse("grid:resolve", args=[matter.pk]), {"result": "好"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"result", "photos"}
    assert Matter.objects.get(pk=matter.pk).status == "new"


def test_a_bad_result_photo_leaves_the_matter_as_it_was(crew: Crew, media: Path) -> None:
    matter = crew.report()
    response = signed_in(crew.worker).post(
        reverse("grid:resolve", args=[matter.pk]), {"result": "已解决", "photos": [photo(), not_a_photo()]}
    )
    assert response.status_code == 400 and "不支持的文件格式" in error_text(response)
    assert Matter.objects.get(pk=matter.pk).status == "new" and matter.events.count() == 1
    assert not stored_files(media)


def test_refusals_are_in_chinese(crew: Crew) -> None:
    red = crew.report(THREAT, risk="red")
    client = signed_in(crew.worker)
    page = client.get(reverse("grid:matter", args=[red.pk])).content.decode()
    assert "红色预警事项不能就地化解" in page and 'id="resolve"' not in page
    refused = client.post(reverse("grid:resolve", args=[red.pk]), {"result": "已劝离", "photos": [photo()]})
    assert refused.status_code == 409 and "红色预警事项不能就地化解" in error_text(refused)
    office = crew.tree.judicial_office_a1
    elsewhere = actions.perform(crew.report(), "dispatched", actor=crew.clerk, data={"lead_unit": office.pk})
    denied = client.post(reverse("grid:resolve", args=[elsewhere.pk]), {"result": "已解决", "photos": [photo()]})
    assert denied.status_code == 403 and "您无权对该事项进行此操作" in error_text(denied)
    assert Matter.objects.get(pk=red.pk).status == "new" and Matter.objects.get(pk=elsewhere.pk).status == "dispatched"

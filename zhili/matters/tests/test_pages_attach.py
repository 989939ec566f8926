"""Attaching a file from the matter's page: through attachments.attach (type from the bytes, size,
the NOTE permission), with its Chinese messages next to the form; the step shows on the timeline.
Without JavaScript the page reloads; through htmx the matter's panel is swapped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.matters.models import Attachment, Matter
from zhili.matters.tests.conftest import Cast
from zhili.matters.tests.test_attachments import tiny_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def attach(
    user: Any, matter: Matter, name: str, content: bytes, reason: str = "", client: Client | None = None, **headers: Any
) -> Any:
    data = {"file": SimpleUploadedFile(name, content, "application/octet-stream"), "reason": reason}
    return (client or signed_in(user)).post(reverse("matters:attach", args=[matter.pk]), data, **headers)


def test_the_page_offers_the_upload_form_to_who_may_add_notes(cast: Cast) -> None:
    matter = cast.matter()
    html = signed_in(cast.clerk).get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in html and reverse("matters:attach", args=[matter.pk]) in html
    assert '<label class="form-label" for="id_file">文件</label>' in html


def test_a_clerk_uploads_a_photo_and_it_shows_on_the_timeline(cast: Cast) -> None:
    matter = cast.matter()
    client = signed_in(cast.clerk)
    response = attach(cast.clerk, matter, "现场.jpg", tiny_jpeg(), reason="现场照片", client=client)
    assert response.status_code == 302 and response["Location"] == reverse("matters:detail", args=[matter.pk])
    attachment = Attachment.objects.get(matter=matter)
    assert (attachment.original_name, attachment.kind, attachment.uploaded_by) == ("现场.jpg", "photo", cast.clerk)
    page = client.get(response["Location"]).content.decode()
    assert "已上传附件：现场.jpg。" in page and "上传附件“现场.jpg”：现场照片" in page


def test_through_htmx_the_panel_comes_back_with_the_file(cast: Cast) -> None:
    matter = cast.matter()
    response = attach(cast.clerk, matter, "photo.jpg", tiny_jpeg(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="matter-panel"') and "<html" not in html
    assert "photo.jpg" in html and 'hx-swap-oob="innerHTML:#zl-messages"' in html and "已上传附件" in html


def test_a_wrong_type_or_a_file_too_big_is_refused_in_chinese(cast: Cast, settings: Any) -> None:
    matter = cast.matter()
    wrong = attach(cast.clerk, matter, "a.exe", b"MZ\x90\x00" + b"\x00" * 100)
    assert wrong.status_code == 400
    assert "不支持的文件格式" in wrong.content.decode() and 'aria-invalid="true"' in wrong.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 100
    big = attach(cast.clerk, matter, "big.jpg", tiny_jpeg() + b"\x00" * 200, HTTP_HX_REQUEST="true")
    assert big.status_code == 400 and "文件过大，最大 100 B。" in big.content.decode()
    missing = signed_in(cast.clerk).post(reverse("matters:attach", args=[matter.pk]), {"reason": "无文件"})
    assert missing.status_code == 400 and "请选择要上传的文件。" in missing.content.decode()
    assert not Attachment.objects.exists() and matter.events.count() == 1


def test_outsiders_get_404_and_a_merged_matter_takes_no_file(cast: Cast) -> None:
    matter = cast.matter()
    outsider = testing.person("b-clerk", role="clerk", unit_=cast.tree.county_b)
    assert attach(outsider, matter, "photo.jpg", tiny_jpeg()).status_code == 404
    assert attach(cast.resident, matter, "photo.jpg", tiny_jpeg()).status_code == 404
    later = cast.matter()
    from zhili.matters import actions

    actions.perform(later, "merged", actor=cast.clerk, data={"into": matter.number}, reason="同一事项")
    page = signed_in(cast.clerk).get(reverse("matters:detail", args=[later.pk])).content.decode()
    assert reverse("matters:attach", args=[later.pk]) not in page
    refused = attach(cast.clerk, later, "photo.jpg", tiny_jpeg())
    assert refused.status_code == 409 and "该事项已并入" in refused.content.decode()
    assert not Attachment.objects.exists()

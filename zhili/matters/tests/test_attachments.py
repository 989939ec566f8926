"""Attachments of a matter: type from the bytes, limits, the timeline, downloads, visibility.

The attachment endpoints are nested under a matter and so are not in the API router that
zhili/core/tests/test_visibility.py walks; their visibility case is here, with the same people:
a user of the parent county sees them, a user of the sibling township and a resident who did not
report the matter get 404 for the list, each file and its download.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from zhili import testing
from zhili.accounts.services import grant_role
from zhili.audit.models import AuditEvent
from zhili.core.errors import DomainError
from zhili.matters import actions, attachments
from zhili.matters.models import Attachment, Matter, MatterEvent
from zhili.matters.tests.conftest import Cast

pytestmark = pytest.mark.django_db
api = testing.api_client


# --- tiny valid files, made by hand -------------------------------------------------------------


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def tiny_jpeg() -> bytes:
    """An 8×8 grey baseline JPEG: one block whose DC difference and AC run are both empty, with
    one-code Huffman tables, so the scan is the two bits 00 padded with ones."""
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(0xDB, b"\x00" + bytes([1] * 64))
        + _segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
        + _segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")
        + _segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
        + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f\xff\xd9"
    )


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit grey
    pixels = zlib.compress(b"\x00\xff")  # filter byte, one white pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def tiny_pdf() -> bytes:
    """One empty page, with a correct cross-reference table."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def tiny_office(part: str) -> bytes:
    """The parts an office suite looks for first; `part` is word/document.xml or xl/workbook.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as docx:
        docx.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            "</Types>",
        )
        docx.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        docx.writestr(part, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


def heic_header() -> bytes:
    """The start of an iPhone photo: an ISO-BMFF 'ftyp' box with the brand 'heic'."""
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 64


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Files land in the test's own folder, never in var/media."""
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def post(user: Any, matter: Matter, name: str, content: bytes, content_type: str = "", **fields: Any) -> Any:
    file = upload(name, content, content_type or "application/octet-stream")
    return api(user).post(f"/api/v1/matters/{matter.pk}/attachments/", {"file": file, **fields}, format="multipart")


def error_of(response: Any) -> tuple[str, str | None]:
    error = response.json()["errors"][0]
    return error["code"], error["attr"]


# --- accepted -----------------------------------------------------------------------------------


def test_a_photo_and_a_pdf_are_accepted_and_show_on_the_timeline(cast: Cast, media: Path) -> None:
    matter = cast.matter()

    # A phone sends its photo as octet-stream under a camera name; the PDF comes with a wrong type.
    photo = post(cast.clerk, matter, "IMG_0001.JPEG", tiny_jpeg(), reason="现场照片")
    pdf = post(cast.clerk, matter, "调解申请书.pdf", tiny_pdf(), content_type="image/png")

    assert photo.status_code == 201, photo.json()
    assert pdf.status_code == 201, pdf.json()
    assert (photo.json()["kind"], photo.json()["content_type"], photo.json()["name"]) == (
        "photo",
        "image/jpeg",
        "IMG_0001.JPEG",
    )
    assert (pdf.json()["kind"], pdf.json()["content_type"], pdf.json()["name"]) == (
        "document",
        "application/pdf",
        "调解申请书.pdf",
    )
    assert photo.json()["size"] == len(tiny_jpeg()) and len(photo.json()["sha256"]) == 64
    listed = api(cast.clerk).get(f"/api/v1/matters/{matter.pk}/attachments/").json()
    assert [a["id"] for a in listed] == [photo.json()["id"], pdf.json()["id"]]

    timeline = api(cast.clerk).get(f"/api/v1/matters/{matter.pk}/events/").json()
    notes = [e for e in timeline if e["kind"] == "note"]
    assert [n["actor"] for n in notes] == [cast.clerk.pk, cast.clerk.pk]
    assert "IMG_0001.JPEG" in notes[0]["reason"] and "现场照片" in notes[0]["reason"]
    assert "调解申请书.pdf" in notes[1]["reason"]
    assert len(stored_files(media)) == 2


@pytest.mark.parametrize(
    "name,content,kind,content_type",
    [
        ("photo.png", tiny_png(), "photo", "image/png"),
        ("IMG_2041.HEIC", heic_header(), "photo", "image/heic"),
        ("协议.docx", tiny_office("word/document.xml"), "document", attachments.DOCX),
        ("台账.xlsx", tiny_office("xl/workbook.xml"), "document", attachments.XLSX),
    ],
)
def test_other_accepted_types(cast: Cast, name: str, content: bytes, kind: str, content_type: str) -> None:
    attachment = attachments.attach(cast.matter(), upload(name, content), actor=cast.clerk)
    assert (attachment.kind, attachment.content_type) == (kind, content_type)


def test_the_stored_path_is_random_and_does_not_contain_the_original_name(cast: Cast, media: Path) -> None:
    attachment = attachments.attach(cast.matter(), upload("张三身份证 正面.jpg", tiny_jpeg()), actor=cast.clerk)
    assert re.fullmatch(r"matters/\d{4}/[0-9a-f]{32}\.jpg", attachment.file.name), attachment.file.name
    assert "张三" not in attachment.file.name
    assert (media / attachment.file.name).read_bytes() == tiny_jpeg()
    assert attachment.original_name == "张三身份证 正面.jpg"


def test_the_name_is_cleaned_and_takes_the_detected_extension() -> None:
    jpeg = attachments.ALLOWED["image/jpeg"]
    assert attachments.display_name("../../etc/passwd", jpeg) == "passwd.jpg"
    assert attachments.display_name("C:\\Users\\me\\photo.jpeg", jpeg) == "photo.jpeg"
    # U+202E turns "photo‮gpj.exe" into what looks like "photoexe.jpg" on screen.
    assert attachments.display_name("photo\u202egpj.exe", jpeg) == "photogpj.jpg"
    assert attachments.display_name("report.pdf", jpeg) == "report.jpg"  # a photo, whatever its name
    assert attachments.display_name("...", jpeg) == "附件.jpg"
    assert attachments.display_name("a\r\nb" + "长" * 300 + ".jpg", jpeg) == "ab" + "长" * 148 + ".jpg"


# --- refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,content,content_type",
    [
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "image/jpeg"),  # an .exe
        ("notice.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "text/html"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
        ("notes.txt", "楼上噪音记录".encode(), "text/plain"),
        ("photos.zip", b"PK\x03\x04" + b"\x00" * 64, "application/zip"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/msword"),
    ],
)
def test_files_of_other_types_are_refused_and_nothing_is_kept(
    cast: Cast, media: Path, name: str, content: bytes, content_type: str
) -> None:
    matter = cast.matter()
    response = post(cast.clerk, matter, name, content, content_type)
    assert response.status_code == 400
    assert error_of(response) == ("file_type_not_allowed", "file")
    assert not Attachment.objects.exists() and not stored_files(media)
    assert not matter.events.filter(kind="note").exists()


def test_a_file_over_the_size_limit_is_refused(cast: Cast, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100
    response = post(cast.clerk, cast.matter(), "big.jpg", tiny_jpeg())  # 159 bytes
    assert response.status_code == 400
    assert error_of(response) == ("file_too_large", "file")
    assert "100 B" in response.json()["errors"][0]["detail"]


def test_an_empty_file_is_refused(cast: Cast) -> None:
    assert error_of(post(cast.clerk, cast.matter(), "empty.jpg", b"")) == ("file_empty", "file")


def test_a_matter_holds_at_most_the_configured_number_of_files(cast: Cast, settings: Any) -> None:
    settings.ATTACHMENTS_PER_MATTER = 2
    matter = cast.matter()
    assert post(cast.clerk, matter, "a.jpg", tiny_jpeg()).status_code == 201
    assert post(cast.clerk, matter, "b.png", tiny_png()).status_code == 201
    third = post(cast.clerk, matter, "c.pdf", tiny_pdf())
    assert third.status_code == 400
    assert error_of(third) == ("too_many_files", "file")
    assert matter.attachments.count() == 2


def test_the_same_file_twice_is_refused(cast: Cast) -> None:
    matter = cast.matter()
    assert post(cast.clerk, matter, "a.jpg", tiny_jpeg()).status_code == 201
    assert error_of(post(cast.clerk, matter, "again.jpg", tiny_jpeg())) == ("file_duplicate", "file")


def test_a_merged_matter_takes_no_files(cast: Cast) -> None:
    earlier, duplicate = cast.matter(), cast.matter()
    actions.perform(duplicate, "merged", actor=cast.clerk, reason="重复反映", data={"into": earlier.number})
    response = post(cast.clerk, duplicate, "a.jpg", tiny_jpeg())
    assert response.status_code == 409
    assert error_of(response)[0] == "matter_merged"


def test_a_failed_step_leaves_no_file_behind(cast: Cast, media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DomainError("boom", "失败")

    monkeypatch.setattr(attachments.actions, "perform", refuse)
    with pytest.raises(DomainError):
        attachments.attach(cast.matter(), upload("a.jpg", tiny_jpeg()), actor=cast.clerk)
    assert not Attachment.objects.exists() and not stored_files(media)


# --- download -----------------------------------------------------------------------------------


def test_download_returns_the_bytes_as_an_attachment_with_the_detected_type(cast: Cast) -> None:
    matter = cast.matter()
    created = post(cast.clerk, matter, "现场.jpg", tiny_jpeg(), content_type="text/html").json()
    assert created["download_url"].endswith(f"/api/v1/matters/{matter.pk}/attachments/{created['id']}/download/")

    response = api(cast.clerk).get(created["download_url"], HTTP_ACCEPT="image/jpeg")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_jpeg()
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA.jpg" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_missing_from_storage_is_a_server_error_not_a_crash(cast: Cast, media: Path) -> None:
    attachment = attachments.attach(cast.matter(), upload("a.jpg", tiny_jpeg()), actor=cast.clerk)
    (media / attachment.file.name).unlink()
    client = api(cast.clerk)
    client.raise_request_exception = False  # a 5xx is reported like an exception
    response = client.get(f"/api/v1/matters/{attachment.matter_id}/attachments/{attachment.pk}/download/")
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "file_missing"


# --- who may -----------------------------------------------------------------------------------


@pytest.fixture
def world(cast: Cast) -> dict[str, Any]:
    """The people of zhili/core/tests/test_visibility.py around one matter of township A1."""
    tree = cast.tree
    parent = testing.person("county-a", role="admin", unit_=tree.county_a)
    sibling = testing.person("township-a2", role="admin", unit_=tree.township_a2)
    for user, unit in ((parent, tree.county_a), (sibling, tree.township_a2)):
        grant_role(user, unit, "auditor")
    matter = cast.matter(reporter=cast.resident)
    attachment = attachments.attach(matter, upload("a.jpg", tiny_jpeg()), actor=cast.clerk)
    return {
        "parent": parent,
        "sibling": sibling,
        "resident": testing.person("another-resident"),
        "reporter": cast.resident,
        "matter": matter,
        "attachment": attachment,
    }


def _urls(matter: Matter, attachment: Attachment) -> tuple[str, str, str]:
    listing = f"/api/v1/matters/{matter.pk}/attachments/"
    detail = f"{listing}{attachment.pk}/"
    return listing, detail, f"{detail}download/"


def test_the_parent_unit_sees_the_files(world: dict[str, Any]) -> None:
    listing, detail, download = _urls(world["matter"], world["attachment"])
    client = api(world["parent"])
    assert [a["id"] for a in client.get(listing).json()] == [world["attachment"].pk]
    assert client.get(detail).status_code == 200
    assert client.get(download).status_code == 200


def test_each_download_is_in_the_audit_log_and_refused_ones_are_not(world: dict[str, Any], cast: Cast) -> None:
    _listing, _detail, download = _urls(world["matter"], world["attachment"])
    assert api(world["sibling"]).get(download).status_code == 404
    assert api(world["parent"]).get(download, HTTP_X_ZHILI_REASON="核对现场照片").status_code == 200
    event = AuditEvent.objects.get(kind="download")
    assert event.actor == world["parent"] and event.reason == "核对现场照片"
    assert event.object_id == str(world["attachment"].pk)
    assert event.data == {"matter": world["matter"].number, "name": "a.jpg"}
    # Seen by the auditors of the unit that holds the matter.
    assert event.unit_path == cast.tree.township_a1.path


@pytest.mark.parametrize("who", ["sibling", "resident"])
def test_outsiders_get_404_for_the_list_the_files_and_uploads(world: dict[str, Any], who: str) -> None:
    listing, detail, download = _urls(world["matter"], world["attachment"])
    client = api(world[who])
    for response in (
        client.get(listing),
        client.get(detail),
        client.get(download),
        client.post(listing, {"file": upload("b.png", tiny_png())}, format="multipart"),
    ):
        assert response.status_code == 404, (who, response.status_code)
        assert response.json()["errors"][0]["code"] == "not_found"
    assert world["matter"].attachments.count() == 1


def test_a_file_of_another_matter_is_not_found_under_this_one(world: dict[str, Any], cast: Cast) -> None:
    other = cast.matter()
    _listing, detail, download = _urls(other, world["attachment"])
    assert api(cast.clerk).get(detail).status_code == 404
    assert api(cast.clerk).get(download).status_code == 404


def test_the_reporter_sees_the_files_and_may_add_more(world: dict[str, Any]) -> None:
    listing, _detail, download = _urls(world["matter"], world["attachment"])
    client = api(world["reporter"])
    assert client.get(download).status_code == 200
    response = client.post(listing, {"file": upload("b.png", tiny_png()), "reason": "补充现场照片"}, format="multipart")
    assert response.status_code == 201, response.content
    assert world["matter"].attachments.count() == 2
    note = world["matter"].events.order_by("-seq").first()
    assert note.kind == "note" and note.actor == world["reporter"] and note.reason == "上传附件“b.png”：补充现场照片"


def test_anonymous_callers_are_refused(world: dict[str, Any]) -> None:
    for url in _urls(world["matter"], world["attachment"]):
        assert APIClient().get(url).status_code in {401, 403}


def test_the_note_event_is_the_record_of_the_upload(world: dict[str, Any], cast: Cast) -> None:
    event = MatterEvent.objects.filter(matter=world["matter"], kind="note").get()
    assert (event.actor, event.reason) == (cast.clerk, "上传附件“a.jpg”")


def test_the_note_event_names_the_file_and_cannot_point_at_another_matters_file(
    world: dict[str, Any], cast: Cast
) -> None:
    event = MatterEvent.objects.filter(matter=world["matter"], kind="note").get()
    assert event.data == {"attachment": world["attachment"].pk, "name": "a.jpg"}
    other = cast.matter()
    forged = api(cast.clerk).post(
        f"/api/v1/matters/{other.pk}/steps/",
        {"kind": "note", "reason": "看附件", "data": {"attachment": world["attachment"].pk}},
        format="json",
    )
    assert forged.status_code == 400
    assert error_of(forged) == ("attachment_not_found", "attachment")

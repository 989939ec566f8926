"""Attaching photos and documents to a matter (附件).

What a file is comes from its first bytes (the `filetype` package, pure Python), never from the
name or the Content-Type the client sent. Accepted:

- photos: JPEG, PNG, WebP and HEIC (what phones take; iPhones save HEIC by default);
- documents: PDF, DOCX and XLSX.

Everything else is refused, among them executables, archives, HTML and SVG (both can carry
scripts), and plain text (it has no signature, so it cannot be told apart from HTML or a script;
a few lines of text belong in the note itself). Legacy Word and Excel files (.doc, .xls) are
refused too: they are the usual carriers of macros, and every office suite saves DOCX/XLSX or
PDF. Files are stored under a random name and served only as downloads with the detected type
(`api_attachments.py`), so even a file that is two formats at once is never rendered by the
browser as a page of ours.

Adding a file is a "note" step of the matter (actions.perform), so it shows on the timeline with
who, when and why, and only someone who may add notes to the matter may attach files.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.core.errors import Conflict, DomainError
from zhili.matters import actions, policy
from zhili.matters.choices import EventKind, Status
from zhili.matters.models import Matter
from zhili.matters.models_attachments import Attachment, AttachmentKind

logger = logging.getLogger(__name__)

MAX_NAME = 150  # characters of the file name kept before the extension


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str
    kind: str
    aliases: frozenset[str] = frozenset()  # other extensions that name the same type


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED: dict[str, FileType] = {
    t.mime: t
    for t in (
        FileType("image/jpeg", "jpg", AttachmentKind.PHOTO, frozenset({"jpeg", "jpe", "jfif"})),
        FileType("image/png", "png", AttachmentKind.PHOTO),
        FileType("image/webp", "webp", AttachmentKind.PHOTO),
        FileType("image/heic", "heic", AttachmentKind.PHOTO, frozenset({"heif"})),
        FileType("application/pdf", "pdf", AttachmentKind.DOCUMENT),
        FileType(DOCX, "docx", AttachmentKind.DOCUMENT),
        FileType(XLSX, "xlsx", AttachmentKind.DOCUMENT),
    )
}
# Only the matchers of accepted types run: a file is what one of them recognises, or refused.
MATCHERS = [filetype.get_type(mime=mime) for mime in ALLOWED]
SIGNATURE_BYTES = 8192  # as much as filetype's matchers look at


def detect(upload: UploadedFile) -> FileType | None:
    """The accepted type the file's bytes show, or None."""
    upload.seek(0)
    head = upload.read(SIGNATURE_BYTES)
    upload.seek(0)
    match = filetype.match(bytearray(head), matchers=MATCHERS)
    return ALLOWED.get(match.mime) if match else None


def display_name(name: str, detected: FileType) -> str:
    """The client's file name made safe to show and to offer as a download name: no folders, no
    control or direction-changing characters (which make "gpj.exe" look like "exe.jpg"), bounded
    length, and the extension of the detected type."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
    path = PurePath(name.strip().lstrip("."))
    suffix = path.suffix[1:].lower()
    stem = (path.stem if suffix else path.name).strip()[:MAX_NAME].strip() or _("附件")
    extension = path.suffix[1:] if suffix in {detected.extension, *detected.aliases} else detected.extension
    return f"{stem}.{extension}"


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size} B"


def check(upload: UploadedFile) -> tuple[FileType, int]:
    """Type and size of the file, checked before anything is stored."""
    size = upload.size or 0
    if size == 0:
        raise DomainError("file_empty", _("文件是空的。"), field="file")
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        message = _("文件过大，最大 %(limit)s。") % {"limit": human_size(limit)}
        raise DomainError("file_too_large", message, field="file")
    detected = detect(upload)
    if detected is None:
        raise DomainError(
            "file_type_not_allowed",
            _("不支持的文件格式：照片请用 JPEG、PNG、WebP 或 HEIC，文件请用 PDF、DOCX 或 XLSX。"),
            field="file",
        )
    return detected, size


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attach(matter: Matter, upload: UploadedFile, *, actor: Any, reason: str = "") -> Attachment:
    """Attach a file to the matter and record it on the timeline.

    `matter` comes from `Matter.objects.restrict(actor)`; it is fetched again, locked and within
    the actor's reach, so the per-matter count holds when two uploads race. A file stored before
    the transaction fails is removed again.
    """
    detected, size = check(upload)
    sha256 = sha256_of(upload)
    name = display_name(upload.name or "", detected)
    reason = (reason or "").strip()
    note = _("上传附件“%(name)s”") % {"name": name} + (f"：{reason}" if reason else "")
    with transaction.atomic():
        # A resident without an account reaches the one matter they proved is theirs (the portal).
        if isinstance(actor, policy.VerifiedReporter):
            reach = Matter.objects.filter(pk=actor.matter_id)
        else:
            reach = Matter.objects.restrict(actor, "view")
        locked = reach.select_for_update(of=("self",)).filter(pk=matter.pk).first()
        if locked is None:
            raise DomainError("not_found", _("未找到。"), status_code=404)
        if locked.status == Status.MERGED:
            raise Conflict(
                "matter_merged", _("该事项已并入 %(number)s，请在该事项上传附件。") % {"number": locked.merged_into}
            )
        # Checked again by perform(); asked first so that nothing is stored for nothing.
        if not policy.may(actor, locked, EventKind.NOTE):
            raise PermissionDenied(_("您无权对该事项进行此操作。"))
        held = Attachment.objects.filter(matter=locked)
        if held.count() >= settings.ATTACHMENTS_PER_MATTER:
            raise DomainError(
                "too_many_files",
                _("每个事项最多 %(limit)d 个附件。") % {"limit": settings.ATTACHMENTS_PER_MATTER},
                field="file",
            )
        if held.filter(sha256=sha256).exists():
            raise DomainError("file_duplicate", _("该文件已上传过。"), field="file")
        attachment = Attachment(
            matter=locked,
            kind=detected.kind,
            original_name=name,
            content_type=detected.mime,
            size=size,
            sha256=sha256,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        attachment.file.save(f"upload.{detected.extension}", upload, save=False)
        try:
            attachment.save()
            actions.perform(
                locked,
                EventKind.NOTE,
                actor=actor,
                reason=note[:2000],
                data={"attachment": attachment.pk, "name": name},
            )
        except BaseException:
            attachment.file.delete(save=False)
            raise
    logger.info("matter %s: attachment %s stored as %s", locked.number, attachment.pk, attachment.file.name)
    return attachment

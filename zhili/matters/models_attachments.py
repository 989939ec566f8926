"""Attachments of a matter (附件): photos and documents brought as evidence.

A separate module only to keep models.py short; models.py imports it at its end, so Django
registers `Attachment` with the matters app. The checks (type from the bytes, size, how many per
matter) and the upload itself are in `attachments.py`.
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core.scope import Scope, ScopedModel, ScopedQuerySet

SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文件")


def attachment_path(instance: Attachment, filename: str) -> str:
    """matters/<year>/<random hex>.<detected extension>: the name the client sent never reaches
    the file system (no path tricks, no personal data in file names, no guessable names)."""
    suffix = PurePath(filename).suffix.lower()
    if not SAFE_SUFFIX.fullmatch(suffix):
        suffix = ""
    year = timezone.localtime(instance.uploaded_at).year
    return f"matters/{year}/{uuid.uuid4().hex}{suffix}"


class AttachmentQuerySet(ScopedQuerySet):
    pass


class Attachment(ScopedModel):
    """A file attached to a matter. Added only through `attachments.attach()`; never changed or
    deleted (it is evidence), and it goes when its matter goes.

    Not an AuditedModel: adding an attachment is a step on the matter's timeline (a "note" event
    with who, when, from where, why, and the file's id and name), and a matter's events are its
    audit trail (ADR 0005). Auditing the row as well would record the same fact twice; and as the
    row never changes afterwards, there is nothing else to audit.

    Seen by whoever sees the matter: the scope is the matter's (`matter.view`).
    """

    matter = models.ForeignKey("matters.Matter", models.CASCADE, related_name="attachments", verbose_name=_("事项"))
    kind = models.CharField(_("类型"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    # The client's file name, cleaned, with the extension of the detected type: for display and
    # as the name of the downloaded file, never as a path.
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件格式"), max_length=100)  # detected from the bytes
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    scope_permissions = {"view": "matter.view"}

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        constraints = [
            # The same file twice on one matter is a retry, not new evidence.
            models.UniqueConstraint(fields=["matter", "sha256"], name="attachment_matter_sha256_unique")
        ]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def scope_filter(cls, scope: Scope, user: Any) -> Q | None:
        from zhili.matters.models import Matter  # models.py imports this module at its end

        condition = Matter.scope_filter(scope, user)
        return None if condition is None else Q(matter__in=Matter.objects.filter(condition).values("pk"))

    def scope_path(self) -> str:
        return self.matter.scope_path()

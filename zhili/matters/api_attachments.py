"""REST API for a matter's attachments, nested under the matter:

- GET  /api/v1/matters/{matter_id}/attachments/                 the files, oldest first
- POST /api/v1/matters/{matter_id}/attachments/                 upload one (multipart/form-data)
- GET  /api/v1/matters/{matter_id}/attachments/{id}/            one file's metadata
- GET  /api/v1/matters/{matter_id}/attachments/{id}/download/   the file itself

The matter is reached through `Matter.objects.restrict(user)`: for a matter outside the caller's
reach, the list, the upload and every file answer 404, as for a missing matter.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from zhili.audit.recording import Kind, record
from zhili.core.api import ScopedViewSetMixin
from zhili.core.errors import DomainError
from zhili.matters import attachments
from zhili.matters.models import Matter
from zhili.matters.models_attachments import Attachment

logger = logging.getLogger(__name__)


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "matter",
            "kind",
            "name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, attachment: Attachment) -> str:
        url = reverse("api:matter-attachment-download", kwargs={"matter_id": attachment.matter_id, "pk": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class AttachmentUploadSerializer(serializers.Serializer):
    # Empty files, sizes and types are checked by attachments.attach(), with its own messages.
    file = serializers.FileField(
        allow_empty_file=True, help_text="A photo (JPEG, PNG, WebP, HEIC) or a document (PDF, DOCX, XLSX)."
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class AttachmentViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The attachments of one matter within the caller's reach."""

    queryset = Attachment.objects.all()
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser]
    pagination_class = None  # a matter holds a few dozen files at most
    filter_backends: list[Any] = []
    scope_actions = {"download": "view"}

    def matter(self) -> Matter:
        if not hasattr(self, "_matter"):
            found = Matter.objects.restrict(self.request.user, "view").filter(pk=self.kwargs["matter_id"]).first()
            if found is None:
                raise Http404
            self._matter = found
        return self._matter

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting the view
            return Attachment.objects.none()
        return super().get_queryset().filter(matter=self.matter())

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A client asking for the file's own type (Accept: image/jpeg) gets the file, not a 406:
        # the download bypasses the renderers, and its errors are JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Attach a photo or a document to the matter. Its type is read from its bytes; the step
        shows on the matter's timeline as a note."""
        matter = self.matter()
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = attachments.attach(
            matter,
            upload.validated_data["file"],
            actor=request.user,
            reason=upload.validated_data.get("reason", ""),
        )
        body = AttachmentSerializer(attachment, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def download(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """The file, as a download with the type detected at upload."""
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            logger.error("attachment %s: file %s is missing from storage", attachment.pk, attachment.file.name)
            raise DomainError("file_missing", _("附件文件缺失，请联系管理员。"), status_code=500) from None
        # Evidence often shows people (faces, ID cards): who fetched which file is kept, as reveals are.
        record(Kind.DOWNLOAD, attachment, data={"matter": self.matter().number, "name": attachment.original_name})
        response = FileResponse(
            handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
        )
        # Never rendered as a page of ours, whatever the bytes are: no sniffing, no scripts.
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

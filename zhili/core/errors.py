"""Domain errors: a machine-readable code and a human message (Chinese by default).

Services raise DomainError; the REST API turns it into the standard error body
({"type": ..., "errors": [{"code", "detail", "attr"}]}) with its HTTP status, and pages show the
message next to the form.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.views import defaults
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status


class DomainError(Exception):
    """A rule refused the operation. `field` names the input at fault, when there is one."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    extra: dict[str, Any] = {}  # more machine-readable facts for the API body (e.g. allowed steps)

    def __init__(
        self, code: str, message: str | Promise, field: str | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.field = field
        if status_code is not None:
            self.status_code = status_code


class Conflict(DomainError):
    """The object's current state does not allow the operation (HTTP 409)."""

    status_code: int = status.HTTP_409_CONFLICT


class DomainAPIException(exceptions.APIException):
    def __init__(self, error: DomainError) -> None:
        self.status_code = error.status_code
        self.extra = error.extra
        super().__init__(detail=error.message, code=error.code)


class ZhiliExceptionHandler(ExceptionHandler):
    def format_exception(self, exc: exceptions.APIException) -> Any:
        data = super().format_exception(exc)
        data.update(getattr(exc, "extra", {}) or {})
        return data

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DomainError):
            if exc.field:
                converted = exceptions.ValidationError({exc.field: [exceptions.ErrorDetail(exc.message, exc.code)]})
                converted.status_code = exc.status_code
                return converted
            return DomainAPIException(exc)
        if isinstance(exc, PermissionDenied | Http404):
            return super().convert_known_exceptions(exc)
        return exc


def _api_error(status: int, error_type: str, code: str, detail: str) -> JsonResponse:
    body = {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 outside any view: JSON under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return _api_error(404, "client_error", "not_found", gettext("未找到。"))
    return defaults.page_not_found(request, exception or Http404())


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_error(500, "server_error", "error", gettext("服务器内部错误。"))
    return defaults.server_error(request)

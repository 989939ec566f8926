"""Pages that answer htmx with a part of themselves: the same view, the same context, a smaller
template. A normal request (no JavaScript, a bookmark, a reload) gets the whole page; htmx's own
request to restore a page from history does too, since it replaces the whole body."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # The page and its part share a URL: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


class PartialTemplateMixin:
    """For template views: `partial_template_name` for htmx requests, else the page's template."""

    request: HttpRequest
    partial_template_name: str = ""

    def get_template_names(self) -> list[str]:
        if wants_partial(self.request):
            return [self.partial_template_name]
        return super().get_template_names()  # type: ignore[misc]

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        context.setdefault("partial", wants_partial(self.request))
        return vary_on_htmx(super().render_to_response(context, **kwargs))  # type: ignore[misc]

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

admin.site.site_header = settings.ZHILI_BRAND
admin.site.site_title = settings.ZHILI_BRAND

urlpatterns = [
    path("", include("zhili.web.urls")),
    path("", include("zhili.accounts.urls")),
    path("org/", include("zhili.org.urls")),
    path("audit/", include("zhili.audit.urls")),
    path("matters/", include("zhili.matters.urls")),
    path("grid/", include("zhili.grid.urls")),
    path("portal/", include("zhili.portal.urls")),
    path("api/v1/", include("zhili.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "zhili.core.errors.not_found"
handler500 = "zhili.core.errors.server_error"

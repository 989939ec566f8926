"""REST API v1: one router for every domain app's endpoints."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from zhili.accounts.api import MembershipViewSet, PersonViewSet, me
from zhili.audit.api import AuditEventViewSet
from zhili.matters.api import MatterViewSet
from zhili.matters.api_attachments import AttachmentViewSet
from zhili.org.api import UnitViewSet
from zhili.taxonomy import api as taxonomy
from zhili.triage import api as triage

router = DefaultRouter()
router.register("matters", MatterViewSet, basename="matter")
router.register("units", UnitViewSet, basename="unit")
router.register("people", PersonViewSet, basename="person")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("audit-events", AuditEventViewSet, basename="auditevent")
router.register("taxonomy/kinds", taxonomy.KindViewSet, basename="kind")
router.register("taxonomy/unit-types", taxonomy.UnitTypeViewSet, basename="unittype")
router.register("taxonomy/categories", taxonomy.CategoryViewSet, basename="category")
router.register("taxonomy/risk-levels", taxonomy.RiskLevelViewSet, basename="risklevel")
router.register("taxonomy/co-handling-rules", taxonomy.CoHandlingRuleViewSet, basename="cohandlingrule")

app_name = "api"
# A matter's attachments, nested under it (outside the router: the visibility test for them is
# zhili/matters/tests/test_attachments.py).
attachments = [
    path("", AttachmentViewSet.as_view({"get": "list", "post": "create"}), name="matter-attachment-list"),
    path("<int:pk>/", AttachmentViewSet.as_view({"get": "retrieve"}), name="matter-attachment-detail"),
    path("<int:pk>/download/", AttachmentViewSet.as_view({"get": "download"}), name="matter-attachment-download"),
]

urlpatterns = [
    path("me/", me, name="me"),
    path("triage/", triage.triage, name="triage"),
    path("matters/<int:matter_id>/attachments/", include(attachments)),
    path("", include(router.urls)),
]
